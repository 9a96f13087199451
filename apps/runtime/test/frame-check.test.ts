// "The first ten minutes": a learner whose browser keeps no state in the LMS frame (every
// third-party cookie refused, partitioned ones too — Safari) on an LMS without platform storage
// (Moodle 5.1) used to end on state_missing. The login now finds out before the platform round
// trip: framed (Sec-Fetch-Dest: iframe) and without lti_storage_target, it answers with a page
// that checks the frame keeps the state cookie, and offers "Open in a new window" — a FRESH
// login at the top level — when it does not. Top-level logins are untouched (R65).
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { parseAutoPostForm } from '@tether/lms-sim';
import { decideFrameCheck, decideLoginPath, type LoginRequest, restartParamsOf } from '@tether/lti';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { cookieHeaderOf, counts, framedLogin, postFrameCheck, timeline } from './launch-helpers.js';

// Every statement the runtime runs, counted as its result comes back (compiled-once ones too).
let statements = 0;
let t: TestDatabase;
let h: Harness;
beforeAll(async () => {
  t = await createTestDatabase();
  const counted = t.db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      statements++;
      return args.result;
    },
  });
  // No background work on the counted database: only the requests' own statements are counted.
  h = await startHarness({ db: { ...t, db: counted }, env: { GRADE_WORKER: 'off', ROSTER_WORKER: 'off', RETENTION_CRON: 'off', ROSTER_RESYNC_CRON: 'off' } });
});
afterAll(async () => {
  await h?.close();
  await t?.close();
});

/** Statements the runtime ran during `fn` (the platform directory is warm: see `beforeEach`). */
async function statementsOf<T>(fn: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const before = statements;
  const value = await fn();
  return { value, statements: statements - before };
}

// The platform directory caches the platform for 10 s: one login first keeps its lookup out of the counts.
beforeEach(async () => {
  await fetch(h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } }).url, { redirect: 'manual' });
});

/** The platform's auth endpoint answers; its form is posted to the launch with `cookie` (or none). */
async function launchThrough(authUrl: string, cookie?: string) {
  const form = parseAutoPostForm(await (await h.sim.fetch(new Request(authUrl))).text());
  return fetch(form.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form.fields), headers: cookie ? { cookie } : {} });
}

const authEvent = async (correlationId: string) => (await timeline(h, correlationId)).find((e) => e.step === 'auth_redirect')!.details as Record<string, unknown>;
const loginRow = (correlationId: string) => h.t.db.selectFrom('login_states').selectAll().where('correlation_id', '=', correlationId).executeTakeFirstOrThrow();
const launchRow = (correlationId: string) => h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', correlationId).executeTakeFirst();
const loginEvents = async (correlationId: string) => (await loginRow(correlationId)).login_events;

describe('which path a login takes (decided from the request, before the platform round trip)', () => {
  it('a top-level login redirects as before: one statement, no page, path top-level', async () => {
    for (const headers of [{ 'sec-fetch-dest': 'document' }, {} as Record<string, string>]) {
      const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } });
      const { value: res, statements: n } = await statementsOf(() => fetch(init.url, { redirect: 'manual', headers }));
      expect(res.status).toBe(302);
      expect(n).toBe(1); // the login state's insert, as before
      const cid = res.headers.get('x-correlation-id')!;
      expect((await loginEvents(cid)).find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'top-level', state_binding: 'cookie' });
    }
  });

  it('a framed login without platform storage answers with the frame check page: the state cookie, one statement, path frame-cookie', async () => {
    const { value: f, statements: n } = await statementsOf(() => framedLogin(h));
    expect(f.res.status).toBe(200);
    expect(n).toBe(1);
    // The state cookie is set as on every login; the page checks it comes back before the platform round trip.
    expect(f.res.headers.getSetCookie().find((c) => c.startsWith(`lti_state_${f.cfg.state.slice(0, 24)}=`))).toMatch(/SameSite=None.*Partitioned|Partitioned.*SameSite=None/i);
    expect(new URL(f.cfg.authUrl).searchParams.get('state')).toBe(f.cfg.state);
    expect(f.cfg.checkUrl).toBe(`${h.runtime.url}/lti/login`);
    const csp = f.res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'self'"); // the check, and nothing else
    expect(csp).toMatch(/script-src 'nonce-/);
    expect(f.res.headers.get('cache-control')).toBe('no-store');
    for (const probe of ['window.top===window', 'navigator.cookieEnabled', 'document.hasStorageAccess', 'document.requestStorageAccess', "credentials:'same-origin'"]) {
      expect(f.page).toContain(probe);
    }
    expect((await loginEvents(f.correlationId)).find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'frame-cookie', state_binding: 'cookie' });
    expect(await launchRow(f.correlationId)).toBeUndefined(); // still only the state row
  });

  it('the page looks finished when it turns into "Open in a new window": title, why, the button, the correlation ID', async () => {
    const f = await framedLogin(h);
    const card = f.page.slice(f.page.indexOf('id="new-window"'));
    expect(card).toContain('<h1>Open in a new window</h1>');
    expect(card).toMatch(/does not let this activity keep you signed in while it is shown inside your course page/);
    expect(card).toMatch(/<button type="submit" id="open">Open in a new window<\/button>/);
    expect(card).toContain(`value="${f.correlationId}"`);
    expect(f.page).toContain('document.title="Open in a new window"');
    // The button posts a new login to the top of a new window.
    expect(f.page).toMatch(/<form id="restart" method="post" action="[^"]+\/lti\/login" target="_blank" rel="noopener noreferrer"/);
  });

  it('the new window carries the same login-initiation parameters and nothing of this login (no state, no nonce)', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const f = await framedLogin(h, { loginParams: { lti_deployment_id: h.sim.deploymentId } }, { method });
      expect(f.newWindowForm.action).toBe(`${h.runtime.url}/lti/login`);
      expect(f.newWindowForm.method).toBe('post');
      expect(f.newWindowForm.fields).toEqual({
        iss: f.init.params.iss,
        login_hint: f.init.params.login_hint,
        target_link_uri: f.init.params.target_link_uri,
        lti_message_hint: f.init.params.lti_message_hint,
        client_id: f.init.params.client_id,
        lti_deployment_id: h.sim.deploymentId,
        tether_restart: 'new-window',
        tether_from: f.correlationId,
      });
    }
  });

  it('R8 a framed login WITH platform storage keeps the storage path (no frame check)', async () => {
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, storageTarget: '_parent' });
    const res = await fetch(init.url, { redirect: 'manual', headers: { 'sec-fetch-dest': 'iframe' } });
    const page = await res.text();
    expect(page).toContain('lti.put_data');
    expect(page).not.toContain('tether_probe');
    expect((await loginEvents(res.headers.get('x-correlation-id')!)).find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'platform-storage' });
  });
});

describe('framed, and the frame keeps the state cookie', () => {
  it('the check reads no table and says continue; the launch then lands in the frame (path frame-cookie)', async () => {
    const f = await framedLogin(h, { user: { sub: 'frame-cookie-learner' } });
    const { value: check, statements: n } = await statementsOf(() => postFrameCheck(h, { tether_probe: f.cfg.state, storage_access: 'had', cookie_enabled: '1' }, f.cookie));
    expect(await check.json()).toEqual({ next: 'continue' });
    expect(n).toBe(0);
    expect(check.headers.getSetCookie()).toEqual([]);
    const launched = await launchThrough(f.cfg.authUrl, f.cookie);
    expect(launched.status).toBe(303);
    const steps = await timeline(h, f.correlationId);
    expect(steps.map((e) => e.step)).not.toContain('frame_check');
    expect(steps.find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'frame-cookie' });
    expect(steps.find((e) => e.step === 'state')?.details).toMatchObject({ binding: 'cookie' });
    expect(steps.at(-1)?.step).toBe('landed');
  });
});

describe('framed, and the frame keeps no cookie (Safari-like, no platform storage)', () => {
  it('the check records frame_check on the login timeline and offers the new window; the state stays unused', async () => {
    const f = await framedLogin(h);
    const { value: check, statements: n } = await statementsOf(() => postFrameCheck(h, { tether_probe: f.cfg.state, storage_access: 'denied', cookie_enabled: '1' }));
    expect(await check.json()).toEqual({ next: 'new-window' });
    expect(check.headers.get('x-correlation-id')).toBe(f.correlationId);
    expect(check.headers.getSetCookie()).toEqual([]);
    expect(n).toBe(2); // read the state, append the timeline
    const steps = await timeline(h, f.correlationId);
    expect(steps.map((e) => `${e.step}:${e.outcome}`)).toEqual(['login_received:ok', 'platform_resolved:ok', 'auth_redirect:ok', 'frame_check:info']);
    expect(steps.at(-1)?.details).toEqual({ cookie_kept: false, cookie_enabled: true, storage_access: 'denied', next: 'new-window' });
    expect((await loginRow(f.correlationId)).consumed_at).toBeNull();
    expect(await launchRow(f.correlationId)).toBeUndefined();
  });

  it('the new window starts a fresh login (new state, new nonce) from the same parameters and lands there: path new-window', async () => {
    const f = await framedLogin(h, { user: { sub: 'new-window-learner', name: 'Ada Lovelace' } });
    await postFrameCheck(h, { tether_probe: f.cfg.state, storage_access: 'none', cookie_enabled: '1' });
    const before = await counts(h);

    // The button: a top-level POST of the form, in a new window.
    const login = await fetch(f.newWindowForm.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'sec-fetch-dest': 'document' },
      body: new URLSearchParams(f.newWindowForm.fields),
    });
    expect(login.status).toBe(302);
    const auth = new URL(login.headers.get('location')!);
    const framed = new URL(f.cfg.authUrl);
    expect(auth.searchParams.get('state')).not.toBe(framed.searchParams.get('state'));
    expect(auth.searchParams.get('nonce')).not.toBe(framed.searchParams.get('nonce'));
    for (const k of ['login_hint', 'lti_message_hint', 'client_id', 'redirect_uri']) expect(auth.searchParams.get(k)).toBe(framed.searchParams.get(k));
    const popup = login.headers.get('x-correlation-id')!;
    expect(popup).not.toBe(f.correlationId);

    const launched = await launchThrough(auth.toString(), cookieHeaderOf(login));
    expect(launched.status).toBe(303);
    const landing = await fetch(new URL(launched.headers.get('location')!, h.runtime.url), { redirect: 'manual' });
    expect(await landing.text()).toContain('Fire drill');
    expect((await counts(h)).users).toBe(before.users + 1);
    expect(await authEvent(popup)).toMatchObject({ path: 'new-window', restart: 'new-window', restarted_from: f.correlationId });
    expect((await timeline(h, popup)).at(-1)?.step).toBe('landed');
    // The framed login was never sent to the platform: unused, and no launch of its own.
    expect((await loginRow(f.correlationId)).consumed_at).toBeNull();
    expect(await launchRow(f.correlationId)).toBeUndefined();
  });

  it('security: the new window can neither bring a state nor skip the state check, and the check never sets a cookie', async () => {
    const f = await framedLogin(h);
    // A state and nonce slipped into the restart are ignored: the login mints its own.
    const login = await fetch(f.newWindowForm.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'sec-fetch-dest': 'document' },
      body: new URLSearchParams({ ...f.newWindowForm.fields, state: f.cfg.state, nonce: 'attacker-nonce' }),
    });
    const auth = new URL(login.headers.get('location')!);
    expect(auth.searchParams.get('state')).not.toBe(f.cfg.state);
    expect(auth.searchParams.get('nonce')).not.toBe('attacker-nonce');
    expect(login.headers.getSetCookie().some((c) => c.includes(f.cfg.state))).toBe(false);
    // Its launch still needs its own state cookie.
    const noCookie = await launchThrough(auth.toString());
    expect(noCookie.headers.get('x-tether-error')).toBe('state_missing');
    // And another login's state cookie does not stand in for it.
    const otherCookie = await launchThrough((await framedLogin(h)).cfg.authUrl, cookieHeaderOf(login));
    expect(otherCookie.headers.get('x-tether-error')).toBe('state_missing');
    // The check only reads: whatever state it names, no Set-Cookie.
    for (const probe of [f.cfg.state, 'A'.repeat(43)]) {
      const res = await postFrameCheck(h, { tether_probe: probe, storage_access: 'denied' });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });

  it('refusal: a frame check for a state this tool never issued is refused (state_unknown) and writes nothing', async () => {
    const eventsBefore = await h.t.db
      .selectFrom('launch_timeline')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await postFrameCheck(h, { tether_probe: 'x'.repeat(43), storage_access: 'denied', cookie_enabled: '1' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-tether-error')).toBe('state_unknown');
    const eventsAfter = await h.t.db
      .selectFrom('launch_timeline')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(eventsAfter.n)).toBe(Number(eventsBefore.n));
  });

  it('refusal: a frame check after its login ended (used: nonce_replayed; expired: state_expired) or without a state (invalid_request) writes nothing', async () => {
    const used = await framedLogin(h);
    expect((await launchThrough(used.cfg.authUrl, used.cookie)).status).toBe(303);
    const replay = await postFrameCheck(h, { tether_probe: used.cfg.state, storage_access: 'denied' });
    expect(replay.headers.get('x-tether-error')).toBe('nonce_replayed');
    expect((await timeline(h, used.correlationId)).map((e) => e.step)).not.toContain('frame_check');

    const old = await framedLogin(h);
    await h.t.db
      .updateTable('login_states')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('state', '=', old.cfg.state)
      .execute();
    const expired = await postFrameCheck(h, { tether_probe: old.cfg.state, storage_access: 'denied' });
    expect(expired.headers.get('x-tether-error')).toBe('state_expired');
    expect(await timeline(h, old.correlationId)).toEqual([]);

    for (const probe of ['', 'short', `${'a'.repeat(42)};`]) {
      const res = await postFrameCheck(h, { tether_probe: probe });
      expect(res.headers.get('x-tether-error')).toBe('invalid_request');
    }
  });

  it('refusal: the new-window restart is validated like any login (a target elsewhere, an unknown client, no login_hint)', async () => {
    const f = await framedLogin(h);
    const restart = (fields: Record<string, string>) =>
      fetch(f.newWindowForm.action, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'sec-fetch-dest': 'document' },
        body: new URLSearchParams({ ...f.newWindowForm.fields, ...fields }),
      });
    expect((await restart({ target_link_uri: 'https://evil.example/launch' })).headers.get('x-tether-error')).toBe('target_link_uri_invalid');
    expect((await restart({ client_id: 'not-registered' })).headers.get('x-tether-error')).toBe('unknown_platform');
    expect((await restart({ login_hint: '' })).headers.get('x-tether-error')).toBe('invalid_request');
  });

  it('R65 storage access: a frame just granted it starts one fresh login in the frame — never two — and a restart arriving framed is checked again', async () => {
    const f = await framedLogin(h);
    const granted = await postFrameCheck(h, { tether_probe: f.cfg.state, storage_access: 'granted', cookie_enabled: '1' });
    expect(await granted.json()).toEqual({ next: 'storage-access' });
    expect((await timeline(h, f.correlationId)).at(-1)?.details).toMatchObject({ storage_access: 'granted', next: 'storage-access' });

    // The page re-posts its form into the frame, marked storage-access: checked again, never asked twice.
    const again = await fetch(f.newWindowForm.action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'sec-fetch-dest': 'iframe' },
      body: new URLSearchParams({ ...f.newWindowForm.fields, tether_restart: 'storage-access' }),
    });
    expect(again.status).toBe(200);
    const page = await again.text();
    const cfg = JSON.parse(page.match(/var cfg=(\{.*?\});/)![1]!) as { state: string; restart: string };
    expect(cfg.restart).toBe('storage-access');
    expect(cfg.state).not.toBe(f.cfg.state);
    expect((await loginEvents(again.headers.get('x-correlation-id')!)).find((e) => e.step === 'auth_redirect')?.details).toMatchObject({
      path: 'frame-cookie',
      restart: 'storage-access',
      restarted_from: f.correlationId,
    });
    const second = await postFrameCheck(h, { tether_probe: cfg.state, storage_access: 'granted', tether_restart: 'storage-access' });
    expect(await second.json()).toEqual({ next: 'new-window' });
  });
});

describe('the decisions (packages/lti, pure)', () => {
  it('decideLoginPath: platform storage first, then a frame (checked), else top level', () => {
    expect(decideLoginPath({ storageTarget: '_parent', fetchDest: 'iframe', restart: undefined })).toEqual({ path: 'platform-storage', checkFrame: false });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: 'iframe', restart: undefined })).toEqual({ path: 'frame-cookie', checkFrame: true });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: 'frame', restart: 'new-window' })).toEqual({ path: 'frame-cookie', checkFrame: true });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: 'document', restart: 'new-window' })).toEqual({ path: 'new-window', checkFrame: false });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: 'document', restart: undefined })).toEqual({ path: 'top-level', checkFrame: false });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: undefined, restart: undefined })).toEqual({ path: 'top-level', checkFrame: false });
    expect(decideLoginPath({ storageTarget: undefined, fetchDest: 'empty', restart: undefined })).toEqual({ path: 'top-level', checkFrame: false });
  });

  it('decideFrameCheck: a kept cookie continues; storage access just granted retries once in the frame; else the new window', () => {
    expect(decideFrameCheck({ cookieKept: true, storageAccess: 'denied', restart: undefined })).toBe('continue');
    expect(decideFrameCheck({ cookieKept: false, storageAccess: 'granted', restart: undefined })).toBe('storage-access');
    expect(decideFrameCheck({ cookieKept: false, storageAccess: 'granted', restart: 'new-window' })).toBe('storage-access');
    expect(decideFrameCheck({ cookieKept: false, storageAccess: 'granted', restart: 'storage-access' })).toBe('new-window');
    for (const storageAccess of ['had', 'denied', 'none', 'error'] as const) expect(decideFrameCheck({ cookieKept: false, storageAccess, restart: undefined })).toBe('new-window');
  });

  it('restartParamsOf: the login-initiation parameters as received (Canvas deployment_id included), nothing else', () => {
    const req: LoginRequest = { iss: 'https://lms', login_hint: 'lh', target_link_uri: 'https://tool/lti/launch', deployment_id: 'd1', lti_storage_target: 'x' };
    expect(restartParamsOf(req)).toEqual({ iss: 'https://lms', login_hint: 'lh', target_link_uri: 'https://tool/lti/launch', deployment_id: 'd1' });
  });
});
