// The learner landing carries no bearer token in its URL: a launch hands the browser a
// 60-second, single-use code; the landing trades it once for an HttpOnly, partitioned session
// cookie on /learn. Learner pages may be framed only by the LMS that launched them.
import { createHash } from 'node:crypto';
import { sql } from '@tether/db';
import { simulateBrowserLaunch } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { counts, launch } from './launch-helpers.js';

let h: Harness;
let platformOrigin: string;
beforeAll(async () => {
  h = await startHarness();
  platformOrigin = new URL(h.sim.endpoints.auth).origin;
});
afterAll(async () => h?.close());

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const codeOf = (location: string) => new URL(location, 'http://x').searchParams.get('code') ?? '';
const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, h.runtime.url), { redirect: 'manual', headers });
const frameAncestors = (res: Response) => /frame-ancestors ([^;]+)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]?.trim();

async function landed() {
  const r = await launch(h, { user: { sub: `learner-${Math.random().toString(36).slice(2, 10)}`, name: 'Ada Lovelace' }, roles: ['Learner'] });
  expect(r.status).toBe(303);
  return r.location!;
}

/** The learner cookie from a landing response, its attributes by lower-case name. */
function learnerCookie(res: Response) {
  const line = res.headers.getSetCookie().find((l) => l.startsWith('tether_learner='));
  expect(line).toBeDefined();
  const [pair, ...attrs] = line!.split(';').map((s) => s.trim());
  const map = new Map(attrs.map((a) => [a.split('=')[0]!.toLowerCase(), a.includes('=') ? a.slice(a.indexOf('=') + 1) : true] as const));
  return { pair: pair!, attrs: map };
}

/** The landing code's two parts: the (consumed) login state it rides on, and the secret. */
const partsOf = (location: string) => {
  const [state, secret] = codeOf(location).split('.');
  return { state: state!, secret: secret! };
};

async function writes() {
  const n = async (table: 'launches' | 'launch_events') => (await h.t.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  const codes = await h.t.db.selectFrom('login_states').select(sql<number>`count(*)::int`.as('n')).where('landing_code_hash', 'is not', null).executeTakeFirstOrThrow();
  return { people: await counts(h), launches: await n('launches'), events: await n('launch_events'), codes: codes.n };
}

describe('the learner landing (H-D: no bearer token in URLs)', () => {
  it('the landing URL carries no session token: only a one-time code on the consumed login state, stored as its SHA-256', async () => {
    const location = await landed();
    expect(location).toMatch(/^\/learn\?code=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(location).not.toMatch(/session=|eyJ/);
    const { state, secret } = partsOf(location);
    const row = await h.t.db.selectFrom('login_states').selectAll().where('state', '=', state).executeTakeFirstOrThrow();
    expect(row.consumed_at).not.toBeNull();
    expect(row.landing_code_hash).toBe(sha256(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    // What the session will hold, with the learner the completion statement resolved.
    expect(row.landing).toMatchObject({ name: 'Ada Lovelace', instructor: '0' });
    expect(row.landing?.user).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the code works once: the second use is refused and nothing is provisioned again', async () => {
    const location = await landed();
    const first = await get(location);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Fire drill');
    const before = await writes();

    const again = await get(location);
    expect(again.status).toBe(401);
    expect(again.headers.get('x-tether-error')).toBe('state_expired');
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.text()).toContain('open the activity again');
    expect(await writes()).toEqual(before);
  });

  it('an expired code is refused (and writes nothing)', async () => {
    const location = await landed();
    // The code is good for 60 s after the launch completed.
    await h.t.db.updateTable('login_states').set({ consumed_at: sql`now() - interval '61 seconds'` }).where('state', '=', partsOf(location).state).execute();
    const before = await writes();
    const res = await get(location);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-tether-error')).toBe('state_expired');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await writes()).toEqual(before);
  });

  it('a forged or malformed code is refused', async () => {
    const real = partsOf(await landed());
    for (const path of [
      '/learn?code=forged',
      `/learn?code=${'A'.repeat(43)}`,
      `/learn?code=${'A'.repeat(43)}.${'B'.repeat(43)}`,
      // the right login state with a made-up secret, and the right secret on another state
      `/learn?code=${real.state}.${'B'.repeat(43)}`,
      `/learn?code=${'A'.repeat(43)}.${real.secret}`,
      '/learn?code=',
      '/learn?session=eyJhbGciOiJIUzI1NiJ9.e30.x',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('x-tether-error'), path).toMatch(/^state_(expired|unknown)$/);
      expect(res.headers.getSetCookie(), path).toEqual([]);
    }
  });

  it('the session cookie is HttpOnly, Secure, SameSite=None, Partitioned, Path=/learn, Max-Age ≤ 3600 by default', async () => {
    const res = await get(await landed());
    expect(res.status).toBe(200);
    const { attrs } = learnerCookie(res);
    expect(attrs.get('httponly')).toBe(true);
    expect(attrs.get('secure')).toBe(true);
    expect(attrs.get('partitioned')).toBe(true);
    expect(String(attrs.get('samesite')).toLowerCase()).toBe('none');
    expect(attrs.get('path')).toBe('/learn');
    const maxAge = Number(attrs.get('max-age'));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(h.runtime.deps.config.LEARNER_SESSION_TTL_SEC);
    expect(maxAge).toBeLessThanOrEqual(3600);
  });

  it('the code exchange renders the landing itself, uncached and unreferred, and cleans the address to /learn', async () => {
    const res = await get(await landed());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toContain(`history.replaceState(null,'',"/learn")`);
  });

  it('/learn with the cookie renders the landing; without it, or with a forged one, it is refused', async () => {
    const first = await get(await landed());
    const { pair } = learnerCookie(first);
    const again = await get('/learn', { cookie: pair });
    expect(again.status).toBe(200);
    const html = await again.text();
    expect(html).toContain('Fire drill');
    expect(html).toContain('Ada Lovelace');
    expect(html).not.toContain('replaceState');
    expect(frameAncestors(again)).toBe(platformOrigin);

    const none = await get('/learn');
    expect(none.status).toBe(401);
    expect(none.headers.get('x-tether-error')).toBe('state_expired');
    const forged = await get('/learn', { cookie: 'tether_learner=eyJhbGciOiJIUzI1NiJ9.e30.x' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('x-tether-error')).toBe('state_unknown');
  });

  it('a session signed for another purpose does not open the landing', async () => {
    const { token } = await h.runtime.deps.tokens.sign({ purpose: 'deep-link', data: { cid: 'x' }, ttlSec: 600 });
    const res = await get('/learn', { cookie: `tether_learner=${token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-tether-error')).toBe('state_unknown');
  });
});

describe('learner pages are framable only by their LMS (H-D: frame-ancestors)', () => {
  it('frame-ancestors of the landing = the platform origin', async () => {
    const res = await get(await landed());
    expect(res.status).toBe(200);
    expect(frameAncestors(res)).toBe(platformOrigin);
  });

  it('frame-ancestors of a launch error page = the platform origin', async () => {
    const r = await simulateBrowserLaunch(h.sim, { custom: { scenario_id: 'no-such-scenario' } });
    expect(r.launch?.headers.get('x-tether-error')).toBe('scenario_not_found');
    expect(frameAncestors(r.launch!)).toBe(platformOrigin);
  });

  it("frame-ancestors is 'self' where no platform is known (unknown state, refused landing)", async () => {
    const launchRes = await fetch(new URL('/lti/launch', h.runtime.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: 'no-such-state', id_token: 'x' }).toString(),
    });
    expect(launchRes.headers.get('x-tether-error')).toBe('state_unknown');
    expect(frameAncestors(launchRes)).toBe("'self'");
    expect(frameAncestors(await get('/learn'))).toBe("'self'");
  });
});
