// Bounded input (issue attacks 1 and 5): oversized bodies, URLs and headers are refused before
// anything is parsed, malformed bodies and unsafe text are a 4xx with a code — never a 500 —
// and none of these refusals writes a row.
import { sql } from '@tether/db';
import { parseAutoPostForm } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { GRADE_TEST_ENV, landedLaunch, newApiKey, postGrade } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';

const MB = 1024 * 1024;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Rows any request could have written: launches (and registration outcomes), their events, login states, attempts. */
async function rowCounts(h: Harness) {
  const n = async (table: 'launches' | 'launch_events' | 'login_states' | 'attempts') =>
    (await h.t.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  return { launches: await n('launches'), events: await n('launch_events'), loginStates: await n('login_states'), attempts: await n('attempts') };
}

/** A body of `bytes` streamed in 64 KiB chunks of one shared buffer: chunked, no Content-Length, nothing held by the client. */
function streamedBody(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}

/** POSTs a streamed body; a server that stops reading may reset the upload, which counts as refused unread. */
async function postStreamed(url: string, bytes: number, headers: Record<string, string> = FORM): Promise<number | 'reset'> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body: streamedBody(bytes), duplex: 'half' } as RequestInit);
    await res.body?.cancel();
    return res.status;
  } catch {
    return 'reset';
  }
}

describe('bounded input', () => {
  let h: Harness;
  let url: string;
  let key: string;
  let cid: string;
  beforeAll(async () => {
    h = await startHarness({ env: GRADE_TEST_ENV });
    url = h.runtime.url;
    key = await newApiKey(h);
    cid = await landedLaunch(h, { user: { sub: 'bounded-1' }, resourceLink: { id: 'rl-bounded' } });
  });
  afterAll(async () => h?.close());

  it('attack 1: a 64 MB form POST to /lti/login, /lti/launch and /lti/deep-link/respond is refused 413 (request_too_large) and writes nothing', async () => {
    const before = await rowCounts(h);
    const big = new Uint8Array(64 * MB).fill(0x61);
    for (const path of ['/lti/login', '/lti/launch', '/lti/deep-link/respond']) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: FORM, body: big });
      expect(res.status, path).toBe(413);
      expect(res.headers.get('x-tether-error'), path).toBe('request_too_large');
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 1: a chunked 64 MB body (no Content-Length) is cut off at the cap, not buffered', async () => {
    const before = await rowCounts(h);
    for (const path of ['/lti/login', '/lti/launch', '/lti/deep-link/respond']) {
      const status = await postStreamed(`${url}${path}`, 64 * MB);
      expect([413, 'reset'], path).toContain(status);
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 1: an 8 MiB launch body carrying a valid id_token and state is refused 413 and uses up nothing', async () => {
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } });
    const login = await fetch(init.url, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const form = parseAutoPostForm(await (await h.sim.fetch(new Request(login.headers.get('location')!))).text());
    expect(form.fields.id_token).toBeTruthy();
    const before = await rowCounts(h);
    const padded = new URLSearchParams({ ...form.fields, padding: 'x'.repeat(8 * MB) });
    const res = await fetch(form.action, {
      method: 'POST',
      headers: {
        ...FORM,
        cookie: login.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      },
      body: padded,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-tether-error')).toBe('request_too_large');
    expect(await rowCounts(h)).toEqual(before);
    // The state was not used up: the same launch, unpadded, still lands.
    const ok = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...FORM,
        cookie: login.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      },
      body: new URLSearchParams(form.fields),
    });
    expect(ok.status).toBe(303);
  });

  it('attack 1: 16 concurrent 64 MB posts keep /healthz answering and RSS bounded', async () => {
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const flood = Array.from({ length: 16 }, (_, i) => postStreamed(`${url}/lti/${i % 2 ? 'launch' : 'login'}`, 64 * MB));
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const statuses = await Promise.all(flood);
      for (const s of statuses) expect([413, 'reset']).toContain(s);
    } finally {
      clearInterval(sampler);
    }
    // Before: +2.2 GB for 16 such posts. Now each is cut at 64 KiB: well under 200 MB of growth
    // (headroom for the test process's own streams and GC timing).
    expect(peak - rssBefore).toBeLessThan(200 * MB);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('attack 1: a URL over 8 KiB is refused 414 and headers over 16 KiB 431, writing nothing', async () => {
    const before = await rowCounts(h);
    const longUrl = await fetch(`${url}/lti/login?iss=${'a'.repeat(9 * 1024)}`, { redirect: 'manual' });
    expect(longUrl.status).toBe(414);
    expect(longUrl.headers.get('x-tether-error')).toBe('request_too_large');
    // Node's own parser answers 431 on a socket first; the app's check covers any other server.
    const app = createApp(h.runtime.deps);
    const headers = new Headers({ 'x-filler-1': 'a'.repeat(9 * 1024), 'x-filler-2': 'a'.repeat(9 * 1024) });
    const res = await app.request('/lti/login?iss=x', { headers });
    expect(res.status).toBe(431);
    const api = await app.request('/api/v1/grades', { method: 'POST', headers });
    expect(api.status).toBe(431);
    expect(await api.json()).toMatchObject({ error: { code: 'request_too_large' } });
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: a malformed multipart body to /lti/login, /lti/launch and /lti/deep-link/respond is 400 invalid_request, not a 500, and writes nothing', async () => {
    const before = await rowCounts(h);
    const bodies = [
      { 'content-type': 'multipart/form-data; boundary=XYZ', body: 'this is not multipart at all' },
      { 'content-type': 'multipart/form-data', body: '--XYZ\r\nContent-Disposition: form-data; name="iss"\r\n\r\nx' },
      { 'content-type': 'multipart/form-data; boundary=XYZ', body: '--XYZ\r\nContent-Disposition: form-data; name="iss"\r\n\r\nhttps://x\r\n' },
    ];
    for (const path of ['/lti/login', '/lti/launch', '/lti/deep-link/respond']) {
      for (const b of bodies) {
        const res = await fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': b['content-type'] }, body: b.body });
        expect(res.status, `${path} ${b.body.slice(0, 20)}`).toBe(400);
        expect(res.headers.get('x-tether-error'), path).toBe('invalid_request');
      }
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: a form with a stray % or an escape that is not UTF-8 is 400 invalid_request and writes nothing', async () => {
    const before = await rowCounts(h);
    for (const body of ['iss=%E0%A4%A&login_hint=x', 'iss=%FF&login_hint=x', 'iss=100%&login_hint=x']) {
      for (const path of ['/lti/login', '/lti/launch', '/lti/deep-link/respond']) {
        const res = await fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: FORM, body });
        expect(res.status, `${path} ${body}`).toBe(400);
        expect(res.headers.get('x-tether-error')).toBe('invalid_request');
      }
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: %00 in login parameters (GET and POST) is 400 invalid_request and writes nothing', async () => {
    const before = await rowCounts(h);
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } });
    for (const field of ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id']) {
      const params = new URLSearchParams({ ...init.params, [field]: `${init.params[field] ?? 'x'}\u0000` });
      const get = await fetch(`${url}/lti/login?${params}`, { redirect: 'manual' });
      expect(get.status, `GET ${field}`).toBe(400);
      expect(get.headers.get('x-tether-error')).toBe('invalid_request');
      const post = await fetch(`${url}/lti/login`, { method: 'POST', redirect: 'manual', headers: FORM, body: params });
      expect(post.status, `POST ${field}`).toBe(400);
      expect(post.headers.get('x-tether-error')).toBe('invalid_request');
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: %00 in a launch or picker answer is 400 invalid_request and writes nothing', async () => {
    const before = await rowCounts(h);
    for (const path of ['/lti/launch', '/lti/deep-link/respond']) {
      const res = await fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: FORM, body: 'state=abc%00&id_token=x&session=y%00' });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('x-tether-error')).toBe('invalid_request');
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: %00 or a broken escape in the /lti/register query is 400 invalid_request and records no registration', async () => {
    const before = await rowCounts(h);
    for (const query of ['token=x&openid_configuration=https://lms.example/%00', 'token=x%00', 'token=%FF&openid_configuration=x']) {
      const res = await fetch(`${url}/lti/register?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('x-tether-error')).toBe('invalid_request');
    }
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: the Grades API refuses malformed JSON, invalid UTF-8 and NUL with 400 invalid_request naming the field, and over 16 KiB with 413', async () => {
    const before = await rowCounts(h);
    const raw = (body: string | Uint8Array) =>
      fetch(`${url}/api/v1/grades`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    const broken = await raw('{"launch":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_request', fields: { body: expect.any(String) } } });
    const notUtf8 = await raw(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])); // {"a":"\xff"}
    expect(notUtf8.status).toBe(400);
    const nul = await postGrade(url, key, { launch: cid, attemptId: 'a\u0000b', scorePercent: 50 });
    expect(nul).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', fields: { attemptId: expect.stringMatching(/NUL/) } } } });
    const nulLaunch = await postGrade(url, key, { launch: `${cid}\u0000`, attemptId: 'a', scorePercent: 50 });
    expect(nulLaunch).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', fields: { launch: expect.stringMatching(/NUL/) } } } });
    const surrogate = await raw('{"launch":"x","attemptId":"\\ud800","scorePercent":1}');
    expect(surrogate.status).toBe(400);
    const large = await raw(JSON.stringify({ launch: cid, attemptId: 'a', scorePercent: 1, pad: 'x'.repeat(20 * 1024) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: { code: 'request_too_large' } });
    const getNul = await fetch(`${url}/api/v1/grades/a%00b`, { headers: { authorization: `Bearer ${key}` } });
    expect(getNul.status).toBe(400);
    expect(await getNul.json()).toMatchObject({ error: { code: 'invalid_request', fields: { attemptId: expect.stringMatching(/NUL/) } } });
    expect(await rowCounts(h)).toEqual(before);
  });

  it('attack 5: scorePercent 5e-324 is rounded to 4 decimals (0) and accepted, never a 500 on the real column', async () => {
    const tiny = await postGrade(url, key, { launch: cid, attemptId: 'denormal', scorePercent: 5e-324 });
    expect(tiny.status).toBe(202);
    const stored = await h.t.db.selectFrom('attempts').select('score_percent').where('attempt_key', '=', 'denormal').executeTakeFirstOrThrow();
    expect(Number(stored.score_percent)).toBe(0);
    const precise = await postGrade(url, key, { launch: cid, attemptId: 'precise', scorePercent: 33.333333333 });
    expect(precise.status).toBe(202);
    const p = await h.t.db.selectFrom('attempts').select('score_percent').where('attempt_key', '=', 'precise').executeTakeFirstOrThrow();
    expect(Number(p.score_percent)).toBeCloseTo(33.3333, 4);
    // The same report again is the same attempt (the rounded score is what is compared).
    expect((await postGrade(url, key, { launch: cid, attemptId: 'precise', scorePercent: 33.333333333 })).status).toBe(200);
  });
});
