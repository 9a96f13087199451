// NRPS client edge cases a well-behaved simulator does not play: hostile or broken paging,
// lenient validation, transport failures. A scripted fetch stands in for the platform.
import { describe, expect, it } from 'vitest';
import { type AccessTokenSource, fetchMemberships, isNrpsError, NRPS_MEDIA_TYPE, NRPS_SCOPE, type NrpsError } from '../src/index.js';
import { parseMembershipPage } from '../src/nrps/membership-container.js';

const UA = 'tether-test/1.0';
const BASE = 'https://lms.example/api/lti/courses/7/names_and_roles';
// Test platforms run on 127.0.0.1 (or a fake host behind an injected fetch): allowed by name, past the address guard.
const LOCAL = ['lms.example'];

interface Sent {
  url: string;
  headers: Record<string, string>;
  redirect: RequestInit['redirect'];
}

type Reply = { status?: number; body?: unknown; headers?: Record<string, string> } | 'network-error' | 'hang';

/** A fetch answering from a URL → reply table, recording what was sent. */
function scripted(routes: Record<string, Reply>) {
  const sent: Sent[] = [];
  const fake: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    sent.push({ url, headers: { ...(init?.headers as Record<string, string>) }, redirect: init?.redirect });
    const reply = routes[url];
    if (reply === undefined) return new Response('{"error":"no route"}', { status: 404 });
    if (reply === 'network-error') throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    if (reply === 'hang') {
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    return new Response(body, { status: reply.status ?? 200, headers: { 'content-type': NRPS_MEDIA_TYPE, ...reply.headers } });
  };
  return { fetch: fake, sent };
}

const tokens = (): AccessTokenSource & { invalidated: number } => ({
  invalidated: 0,
  async getToken() {
    return { accessToken: 'tok-1' };
  },
  invalidate() {
    this.invalidated++;
  },
});

const page = (ids: string[], extra: Record<string, unknown> = {}) => ({
  id: 'x',
  context: { id: 'ctx-7', title: 'Course 7' },
  members: ids.map((user_id) => ({ user_id, roles: ['Learner'] })),
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<NrpsError> {
  try {
    await p;
  } catch (err) {
    if (isNrpsError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

// ------------------------------------------------------------------ validation

describe('parseMembershipPage (lenient)', () => {
  it('defaults status to Active, accepts any case, drops malformed optional members, stringifies numeric ids', () => {
    const r = parseMembershipPage({
      members: [
        { user_id: 'a', roles: ['Learner'] },
        { user_id: 'b', status: 'inactive', roles: ['Learner', 7], picture: 42, email: null, given_name: '' },
        { user_id: 12345, status: 'Deleted' },
        { user_id: 'c', status: null, roles: null, message: [{ k: 1 }, 'junk'], unknown_extension: true },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.page.context).toBeNull();
    expect(r.page.members).toEqual([
      { userId: 'a', status: 'Active', roles: ['Learner'] },
      { userId: 'b', status: 'Inactive', roles: ['Learner'] },
      { userId: '12345', status: 'Deleted', roles: [] },
      { userId: 'c', status: 'Active', roles: [], message: [{ k: 1 }] },
    ]);
  });

  it('refuses a body that is not a container, a member without user_id, or an unknown status', () => {
    expect(parseMembershipPage({ id: 'x' })).toMatchObject({ ok: false, path: 'members' });
    expect(parseMembershipPage([])).toMatchObject({ ok: false });
    expect(parseMembershipPage({ members: [{ roles: [] }] })).toMatchObject({ ok: false, path: 'members.0.user_id' });
    expect(parseMembershipPage({ members: [{ user_id: '' }] })).toMatchObject({ ok: false, path: 'members.0.user_id' });
    expect(parseMembershipPage({ members: [{ user_id: 'a', status: 'Pending' }] })).toMatchObject({ ok: false, path: 'members.0.status' });
  });
});

// ------------------------------------------------------------------ paging edge cases

describe('fetchMemberships paging', () => {
  it('follows a relative next link and sends the NRPS headers with redirect: manual', async () => {
    const { fetch, sent } = scripted({
      [BASE]: { body: page(['a', 'b']), headers: { link: '<?page=2>; rel="next", </other/differences?since=4>; rel="differences"' } },
      [`${BASE}?page=2`]: { body: page(['c']) },
    });
    const r = await fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch });
    expect(r.members.map((m) => m.userId)).toEqual(['a', 'b', 'c']);
    expect(r.differencesUrl).toBe('https://lms.example/other/differences?since=4');
    expect(sent.map((s) => s.url)).toEqual([BASE, `${BASE}?page=2`]);
    for (const s of sent) {
      expect(s.headers).toEqual({ accept: NRPS_MEDIA_TYPE, authorization: 'Bearer tok-1', 'user-agent': UA });
      expect(s.redirect).toBe('manual');
    }
  });

  it('asks the token source for the NRPS scope', async () => {
    const asked: string[][] = [];
    const { fetch } = scripted({ [BASE]: { body: page(['a']) } });
    await fetchMemberships(BASE, {
      userAgent: UA,
      allowPrivateHosts: LOCAL,
      fetch,
      tokens: {
        getToken: async (s) => {
          asked.push(s);
          return { accessToken: 't' };
        },
        invalidate: () => undefined,
      },
    });
    expect(asked).toEqual([[NRPS_SCOPE]]);
  });

  it('refuses a next link to another origin without sending the token there', async () => {
    const { fetch, sent } = scripted({
      [BASE]: { body: page(['a']), headers: { link: '<https://evil.example/steal?page=2>; rel="next"' } },
    });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err.code).toBe('nrps_invalid_response');
    expect(err.details).toMatchObject({ rel: 'next', pageNumber: 1 });
    expect(sent).toHaveLength(1);
  });

  it('refuses a downgrade to http on the same host (another origin)', async () => {
    const { fetch } = scripted({ [BASE]: { body: page(['a']), headers: { link: `<${BASE.replace('https:', 'http:')}?page=2>; rel="next"` } } });
    expect((await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }))).code).toBe('nrps_invalid_response');
  });

  it('refuses a differences link to another origin', async () => {
    const { fetch } = scripted({ [BASE]: { body: page(['a']), headers: { link: '<https://evil.example/d>; rel="differences"' } } });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err).toMatchObject({ code: 'nrps_invalid_response', details: { rel: 'differences' } });
  });

  it('a broken next link is an error, never a silent end of the roster', async () => {
    const { fetch } = scripted({ [BASE]: { body: page(['a']), headers: { link: '<http://[bad>; rel="next"' } } });
    expect((await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }))).code).toBe('nrps_invalid_response');
  });

  it('detects a paging loop', async () => {
    const { fetch, sent } = scripted({
      [BASE]: { body: page(['a']), headers: { link: `<${BASE}?page=2>; rel="next"` } },
      [`${BASE}?page=2`]: { body: page(['b']), headers: { link: `<${BASE}>; rel="next"` } },
    });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err).toMatchObject({ code: 'nrps_invalid_response', details: { pageNumber: 2 } });
    expect(sent).toHaveLength(2);
  });

  it('one entry per user when a member shows up on two pages (the later record wins)', async () => {
    const { fetch } = scripted({
      [BASE]: { body: page(['a', 'b']), headers: { link: `<${BASE}?page=2>; rel="next"` } },
      [`${BASE}?page=2`]: { body: { members: [{ user_id: 'b', status: 'Inactive' }, { user_id: 'c' }] } },
    });
    const r = await fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch });
    expect(r.members.map((m) => [m.userId, m.status])).toEqual([
      ['a', 'Active'],
      ['b', 'Inactive'],
      ['c', 'Active'],
    ]);
    expect(r.context).toEqual({ id: 'ctx-7', title: 'Course 7' });
  });

  it('a page that is not JSON or not a container → nrps_invalid_response with the page number', async () => {
    const html = scripted({
      [BASE]: { body: page(['a']), headers: { link: `<${BASE}?page=2>; rel="next"` } },
      [`${BASE}?page=2`]: { body: '<html>login</html>', headers: { 'content-type': 'text/html' } },
    });
    const e1 = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch: html.fetch }));
    expect(e1).toMatchObject({ code: 'nrps_invalid_response', details: { pageNumber: 2 } });

    const notContainer = scripted({ [BASE]: { body: { errors: [] } } });
    const e2 = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch: notContainer.fetch }));
    expect(e2).toMatchObject({ code: 'nrps_invalid_response', details: { pageNumber: 1, path: 'members' } });
  });

  it('refuses an oversized page', async () => {
    const { fetch } = scripted({ [BASE]: { body: page(['a']), headers: { 'content-length': String(64 * 1024 * 1024) } } });
    expect((await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }))).code).toBe('nrps_invalid_response');
  });
});

// ------------------------------------------------------------------ transport and statuses

describe('fetchMemberships failures', () => {
  it('a memberships URL on a private address is nrps_request_rejected, not retryable, nothing sent (SSRF)', async () => {
    const seen: string[] = [];
    const fetch = (async (input: string | URL | Request) => {
      seen.push(String(input));
      return new Response('{}');
    }) as typeof globalThis.fetch;
    const err = await rejection(fetchMemberships('http://[::ffff:10.0.0.5]/api/names_and_roles', { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err).toMatchObject({ code: 'nrps_request_rejected', retryable: false, details: { reason: 'address_refused' } });
    expect(seen).toEqual([]);
  });

  it('timeout → nrps_unavailable (retryable) with the page number', async () => {
    const { fetch } = scripted({ [BASE]: { body: page(['a']), headers: { link: `<${BASE}?page=2>; rel="next"` } }, [`${BASE}?page=2`]: 'hang' });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch, timeoutMs: 50 }));
    expect(err).toMatchObject({ code: 'nrps_unavailable', retryable: true, details: { pageNumber: 2, reason: 'timeout' } });
  });

  it('network error → nrps_unavailable (retryable)', async () => {
    const { fetch } = scripted({ [BASE]: 'network-error' });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err).toMatchObject({ code: 'nrps_unavailable', retryable: true, details: { pageNumber: 1, reason: 'network', error: 'ECONNRESET' } });
  });

  it('429 → nrps_unavailable with Retry-After; other 4xx → nrps_request_rejected', async () => {
    const limited = scripted({ [BASE]: { status: 429, body: {}, headers: { 'retry-after': '30' } } });
    const e1 = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch: limited.fetch }));
    expect(e1).toMatchObject({ code: 'nrps_unavailable', status: 429, retryable: true, details: { retryAfterSec: 30 } });

    const bad = scripted({ [BASE]: { status: 400, body: { error: 'bad role' } } });
    const e2 = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch: bad.fetch }));
    expect(e2).toMatchObject({ code: 'nrps_request_rejected', status: 400, retryable: false });
    expect(e2.details.body).toContain('bad role');
  });

  it('a redirect is not followed (it would carry the token)', async () => {
    const { fetch, sent } = scripted({ [BASE]: { status: 302, body: '', headers: { location: 'https://elsewhere.example/' } } });
    const err = await rejection(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch }));
    expect(err).toMatchObject({ code: 'nrps_request_rejected', status: 302, details: { location: 'https://elsewhere.example/' } });
    expect(sent).toHaveLength(1);
  });

  it('errors thrown by onPage propagate unchanged and stop the walk', async () => {
    const { fetch, sent } = scripted({
      [BASE]: { body: page(['a']), headers: { link: `<${BASE}?page=2>; rel="next"` } },
      [`${BASE}?page=2`]: { body: page(['b']) },
    });
    const boom = new Error('db down');
    await expect(fetchMemberships(BASE, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch, onPage: () => Promise.reject(boom) })).rejects.toBe(boom);
    expect(sent).toHaveLength(1);
  });

  it('refuses bad arguments with TypeError before sending anything', async () => {
    const { fetch, sent } = scripted({});
    const t = tokens();
    await expect(fetchMemberships('not a url', { tokens: t, userAgent: UA, allowPrivateHosts: LOCAL, fetch })).rejects.toThrow(TypeError);
    await expect(fetchMemberships('ftp://lms.example/x', { tokens: t, userAgent: UA, allowPrivateHosts: LOCAL, fetch })).rejects.toThrow(TypeError);
    await expect(fetchMemberships(BASE, { tokens: t, userAgent: ' ', fetch })).rejects.toThrow(/userAgent/);
    await expect(fetchMemberships(BASE, { tokens: t, userAgent: UA, allowPrivateHosts: LOCAL, fetch, maxPages: 0 })).rejects.toThrow(/maxPages/);
    await expect(fetchMemberships(BASE, { tokens: t, userAgent: UA, allowPrivateHosts: LOCAL, fetch, limit: 2.5 })).rejects.toThrow(/limit/);
    await expect(fetchMemberships(BASE, { tokens: t, userAgent: UA, allowPrivateHosts: LOCAL, fetch, role: '' })).rejects.toThrow(/role/);
    expect(sent).toHaveLength(0);
  });

  it('replaces a role/limit already in the URL instead of sending it twice', async () => {
    const url = `${BASE}?role=Instructor&keep=%2Fa%2Bb&limit=3`;
    const { fetch, sent } = scripted({ [`${BASE}?keep=%2Fa%2Bb&role=Learner&limit=50`]: { body: page(['a']) } });
    await fetchMemberships(url, { tokens: tokens(), userAgent: UA, allowPrivateHosts: LOCAL, fetch, role: 'Learner', limit: 50 });
    expect(sent[0]!.url).toBe(`${BASE}?keep=%2Fa%2Bb&role=Learner&limit=50`);
  });
});
