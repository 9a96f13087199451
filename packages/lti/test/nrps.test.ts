// NRPS client against the LMS simulator over real HTTP.
import { type LmsSim, type LmsSimOptions, type Member, startLmsSim } from '@tether/lms-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessTokenSource, AGS_SCOPE, fetchMemberships, isNrpsError, NRPS_MEDIA_TYPE, NRPS_SCOPE, NrpsError, type NrpsPage } from '../src/index.js';

const UA = 'tether-test/1.0 (+https://tether.example)';
// Test platforms run on 127.0.0.1 (or a fake host behind an injected fetch): allowed by name, past the address guard.
const LOCAL = ['127.0.0.1', 'localhost'];
const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';

// ------------------------------------------------------------------ helpers

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(opts: LmsSimOptions = {}): Promise<LmsSim> {
  const s = await startLmsSim(opts);
  cleanups.push(() => s.close());
  return s;
}

interface FakeTokens extends AccessTokenSource {
  getCalls: string[][];
  invalidated: (string | undefined)[];
  /** Replace the cached token (e.g. with one the sim no longer knows). */
  setCurrent(token: string): void;
}

/** A token cache in front of `sim.issueAccessToken` (skips the token endpoint). */
function simTokens(s: LmsSim, scopes: string[] = [NRPS_SCOPE], opts: { alwaysBogus?: boolean } = {}): FakeTokens {
  let current: string | null = null;
  const t: FakeTokens = {
    getCalls: [],
    invalidated: [],
    async getToken(requested) {
      t.getCalls.push([...requested]);
      if (opts.alwaysBogus) return { accessToken: `bogus-${t.getCalls.length}` };
      current ??= s.issueAccessToken({ scopes });
      return { accessToken: current };
    },
    invalidate(_scopes, accessToken) {
      t.invalidated.push(accessToken);
      if (accessToken === undefined || accessToken === current) current = null;
    },
    setCurrent(token) {
      current = token;
    },
  };
  return t;
}

function roster(n: number, opts: { inactiveEvery?: number; instructors?: number } = {}): Member[] {
  return Array.from({ length: n }, (_, i): Member => {
    const k = i + 1;
    const member: Member = {
      user_id: `user-${String(k).padStart(2, '0')}`,
      roles: k <= (opts.instructors ?? 0) ? [INSTRUCTOR] : [LEARNER],
      name: `Person ${k}`,
      given_name: 'Person',
      family_name: `${k}`,
      email: `p${k}@example.edu`,
      lis_person_sourcedid: `sis-${k}`,
    };
    if (opts.inactiveEvery && k % opts.inactiveEvery === 0) member.status = 'Inactive';
    return member;
  });
}

function nrpsLog(s: LmsSim) {
  return s.requestLog().filter((r) => r.path.startsWith('/nrps/'));
}

async function rejection(p: Promise<unknown>): Promise<NrpsError> {
  try {
    await p;
  } catch (err) {
    if (isNrpsError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

// ------------------------------------------------------------------ paging

describe('fetchMemberships against lms-sim', () => {
  it('follows rel="next" through every page: 25 members at page size 10 → 3 pages', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25), { label: 'BIO101', title: 'Biology' });
    const tokens = simTokens(s);
    const seen: NrpsPage[] = [];

    const r = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, onPage: (p) => void seen.push(p) });

    expect(r.pages).toBe(3);
    expect(r.truncated).toBe(false);
    expect(r.nextUrl).toBeNull();
    expect(r.members).toHaveLength(25);
    expect(new Set(r.members.map((m) => m.userId)).size).toBe(25);
    expect(r.members.map((m) => m.userId)).toEqual(roster(25).map((m) => m.user_id));
    expect(r.context).toEqual({ id: 'course-1', label: 'BIO101', title: 'Biology' });
    expect(r.members[0]).toEqual({
      userId: 'user-01',
      status: 'Active',
      roles: [LEARNER],
      name: 'Person 1',
      givenName: 'Person',
      familyName: '1',
      email: 'p1@example.edu',
      lisPersonSourcedId: 'sis-1',
    });

    expect(seen.map((p) => [p.pageNumber, p.members.length])).toEqual([
      [1, 10],
      [2, 10],
      [3, 5],
    ]);
    expect(seen[0]!.nextUrl).toBe(seen[1]!.url);
    expect(seen[2]!.nextUrl).toBeNull();
    expect(nrpsLog(s).map((e) => e.status)).toEqual([200, 200, 200]);
    // One token for the whole walk: the cache is asked per page, always for the NRPS scope.
    expect(tokens.getCalls).toEqual([[NRPS_SCOPE], [NRPS_SCOPE], [NRPS_SCOPE]]);
    expect(s.stats().tokensIssued).toBe(1);
  });

  it('exposes the rel="differences" URL and parses Active / Inactive / Deleted', async () => {
    const s = await sim({ pageSize: 10 });
    const members = roster(12, { inactiveEvery: 4 });
    s.setRoster('course-1', members);
    const tokens = simTokens(s);

    const full = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL });
    expect(full.members).toHaveLength(12);
    expect(full.members.filter((m) => m.status === 'Inactive').map((m) => m.userId)).toEqual(['user-04', 'user-08', 'user-12']);
    expect(full.members.filter((m) => m.status === 'Active')).toHaveLength(9);
    expect(full.differencesUrl).not.toBeNull();
    const diffUrl = new URL(full.differencesUrl!);
    expect(diffUrl.origin).toBe(new URL(s.url).origin);
    expect(diffUrl.pathname).toBe(new URL(s.membershipsUrl('course-1')).pathname);
    expect(diffUrl.searchParams.get('since')).not.toBeNull();

    // user-03 leaves, user-05 becomes inactive, user-04 is reactivated, user-13 joins.
    const next = members
      .filter((m) => m.user_id !== 'user-03')
      .map((m) => (m.user_id === 'user-05' ? { ...m, status: 'Inactive' as const } : m.user_id === 'user-04' ? { ...m, status: 'Active' as const } : m));
    next.push({ user_id: 'user-13', roles: [LEARNER], name: 'Newcomer' });
    s.setRoster('course-1', next);

    const diff = await fetchMemberships(full.differencesUrl!, { tokens, userAgent: UA, allowPrivateHosts: LOCAL });
    const byId = new Map(diff.members.map((m) => [m.userId, m.status]));
    expect(byId.get('user-03')).toBe('Deleted');
    expect(byId.get('user-05')).toBe('Inactive');
    expect(byId.get('user-04')).toBe('Active');
    expect(byId.get('user-13')).toBe('Active');
    expect(byId.has('user-01')).toBe(false); // unchanged members are not repeated
    expect(diff.truncated).toBe(false);
    expect(diff.differencesUrl).not.toBe(full.differencesUrl); // a newer baseline
  });

  it('filters by role (short name or full URI) and keeps the filter on every page', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(40, { instructors: 13 }));
    const tokens = simTokens(s);

    const short = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, role: 'Instructor' });
    expect(short.pages).toBe(2);
    expect(short.members).toHaveLength(13);
    expect(short.members.every((m) => m.roles.includes(INSTRUCTOR))).toBe(true);

    const full = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, role: LEARNER });
    expect(full.members).toHaveLength(27);
    expect(full.members.every((m) => m.roles.includes(LEARNER))).toBe(true);

    const paths = nrpsLog(s).map((e) => new URL(e.path, s.url).searchParams.get('role'));
    expect(paths).toEqual(['Instructor', 'Instructor', LEARNER, LEARNER, LEARNER]);
  });

  it('an empty roster is members: [] (one page, not truncated)', async () => {
    const s = await sim();
    s.setRoster('empty-course', []);
    const r = await fetchMemberships(s.membershipsUrl('empty-course'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL });
    expect(r).toMatchObject({ members: [], pages: 1, truncated: false, nextUrl: null, context: { id: 'empty-course' } });
  });

  it('maxPages reached with a next link left → truncated: true, exactly the pages read, and a resumable nextUrl', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25));
    const tokens = simTokens(s);

    const r = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, maxPages: 2 });
    expect(r.truncated).toBe(true);
    expect(r.pages).toBe(2);
    expect(r.members).toHaveLength(20);
    expect(nrpsLog(s)).toHaveLength(2); // page 3 was not fetched
    expect(r.nextUrl).not.toBeNull();
    expect(new URL(r.nextUrl!).searchParams.get('page')).toBe('3');

    const rest = await fetchMemberships(r.nextUrl!, { tokens, userAgent: UA, allowPrivateHosts: LOCAL, maxPages: 2 });
    expect(rest).toMatchObject({ truncated: false, pages: 1, nextUrl: null });
    expect(rest.members.map((m) => m.userId)).toEqual(['user-21', 'user-22', 'user-23', 'user-24', 'user-25']);
  });

  it('maxPages equal to the page count is not truncated', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(30));
    const r = await fetchMemberships(s.membershipsUrl('course-1'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL, maxPages: 3 });
    expect(r).toMatchObject({ truncated: false, pages: 3, nextUrl: null });
    expect(r.members).toHaveLength(30);
  });

  it('a page failing mid-way (503 on page 2) → nrps_unavailable, retryable, with the page; a second call succeeds without duplicates', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25));
    const tokens = simTokens(s);
    const provisioned: string[] = [];

    const err = await rejection(
      fetchMemberships(s.membershipsUrl('course-1'), {
        tokens,
        userAgent: UA,
        allowPrivateHosts: LOCAL,
        onPage: (p) => {
          provisioned.push(...p.members.map((m) => m.userId));
          if (p.pageNumber === 1) s.failNext({ path: /memberships/, status: 503, times: 1 });
        },
      }),
    );
    expect(err).toBeInstanceOf(NrpsError);
    expect(err.code).toBe('nrps_unavailable');
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(503);
    expect(err.details.pageNumber).toBe(2);
    expect(new URL(String(err.details.url)).searchParams.get('page')).toBe('2');
    expect(provisioned).toHaveLength(10); // page 1 was handed over before the failure

    const again = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL });
    expect(again.pages).toBe(3);
    expect(again.members).toHaveLength(25);
    expect(new Set(again.members.map((m) => m.userId)).size).toBe(25);
  });

  it('resuming from the failed page URL completes the roster', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25));
    const tokens = simTokens(s);
    const got = new Map<string, number>();
    const onPage = (p: NrpsPage) => {
      for (const m of p.members) got.set(m.userId, (got.get(m.userId) ?? 0) + 1);
    };
    s.failNext({ path: /page=3/, status: 502 });
    const err = await rejection(fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, onPage }));
    expect(err.details.pageNumber).toBe(3);
    await fetchMemberships(String(err.details.url), { tokens, userAgent: UA, allowPrivateHosts: LOCAL, onPage });
    expect(got.size).toBe(25);
    expect([...got.values()].every((n) => n === 1)).toBe(true);
  });

  it('503 on the first page reports page 1 and Retry-After', async () => {
    const s = await sim();
    s.setRoster('course-1', roster(3));
    s.failNext({ path: /memberships/, status: 503, headers: { 'retry-after': '7' } });
    const err = await rejection(fetchMemberships(s.membershipsUrl('course-1'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err).toMatchObject({ code: 'nrps_unavailable', retryable: true, status: 503 });
    expect(err.details).toMatchObject({ pageNumber: 1, retryAfterSec: 7 });
  });

  // ---------------------------------------------------------------- tokens and status codes

  it('401 → invalidates the token, gets a fresh one and retries once', async () => {
    const s = await sim();
    s.setRoster('course-1', roster(5));
    const tokens = simTokens(s);
    tokens.setCurrent('at-revoked-earlier');

    const r = await fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL });
    expect(r.members).toHaveLength(5);
    expect(tokens.invalidated).toEqual(['at-revoked-earlier']);
    expect(tokens.getCalls).toHaveLength(2);
    expect(nrpsLog(s).map((e) => e.status)).toEqual([401, 200]);
    expect(nrpsLog(s)[0]!.authorization).toBe('Bearer at-revoked-earlier');
  });

  it('a token revoked between pages is refreshed on the page that meets the 401', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25));
    const tokens = simTokens(s);
    const r = await fetchMemberships(s.membershipsUrl('course-1'), {
      tokens,
      userAgent: UA,
      allowPrivateHosts: LOCAL,
      onPage: (p) => {
        if (p.pageNumber === 1) s.revokeTokens();
      },
    });
    expect(r.members).toHaveLength(25);
    expect(tokens.invalidated).toHaveLength(1);
    expect(nrpsLog(s).map((e) => e.status)).toEqual([200, 401, 200, 200]);
  });

  it('401 again with the fresh token → nrps_token_rejected (no third attempt)', async () => {
    const s = await sim();
    s.setRoster('course-1', roster(5));
    const tokens = simTokens(s, [NRPS_SCOPE], { alwaysBogus: true });
    const err = await rejection(fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err).toMatchObject({ code: 'nrps_token_rejected', status: 401, retryable: false });
    expect(tokens.invalidated).toEqual(['bogus-1']);
    expect(nrpsLog(s)).toHaveLength(2);
    expect(JSON.stringify(err.details)).not.toContain('bogus'); // no token in the details
  });

  it('403 (token without the NRPS scope) → nrps_scope_missing, no token refresh', async () => {
    const s = await sim();
    s.setRoster('course-1', roster(5));
    const tokens = simTokens(s, [AGS_SCOPE.score]);
    const err = await rejection(fetchMemberships(s.membershipsUrl('course-1'), { tokens, userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err).toMatchObject({ code: 'nrps_scope_missing', status: 403, retryable: false });
    expect(tokens.invalidated).toEqual([]);
  });

  it('404 (unknown context) → nrps_not_found', async () => {
    const s = await sim();
    const err = await rejection(fetchMemberships(s.membershipsUrl('no-such-course'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err).toMatchObject({ code: 'nrps_not_found', status: 404, retryable: false });
  });

  it('406 (wrong Accept, forced by a meddling fetch) → nrps_request_rejected', async () => {
    const s = await sim();
    s.setRoster('course-1', roster(5));
    const meddling: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), accept: 'application/json' } });
    const err = await rejection(fetchMemberships(s.membershipsUrl('course-1'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL, fetch: meddling }));
    expect(err).toMatchObject({ code: 'nrps_request_rejected', status: 406, retryable: false });
  });

  // ---------------------------------------------------------------- wire format

  it('sends Accept, Authorization: Bearer (capital B) and User-Agent on every page', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(25));
    await fetchMemberships(s.membershipsUrl('course-1'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL });
    const log = nrpsLog(s);
    expect(log).toHaveLength(3);
    for (const e of log) {
      expect(e.method).toBe('GET');
      expect(e.accept).toBe(NRPS_MEDIA_TYPE);
      expect(e.authorization).toMatch(/^Bearer at-\S+$/);
      expect(e.userAgent).toBe(UA);
    }
  });

  it('works where the platform insists on them: canvas (strict User-Agent) and blackboard (capital Bearer)', async () => {
    for (const mode of ['canvas', 'blackboard'] as const) {
      const s = await sim({ mode, userAgentRequired: 'strict', pageSize: 10 });
      s.setRoster('course-1', roster(15));
      const r = await fetchMemberships(s.membershipsUrl('course-1'), { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL });
      expect(r.members).toHaveLength(15);
    }
  });

  it('adds role, limit and rlid while keeping the URL’s own query parameters', async () => {
    const s = await sim({ pageSize: 10 });
    s.setRoster('course-1', roster(12));
    const url = `${s.membershipsUrl('course-1')}?tenant=a%20b&x=1`;
    const r = await fetchMemberships(url, { tokens: simTokens(s), userAgent: UA, allowPrivateHosts: LOCAL, role: 'Learner', limit: 5, rlid: 'resource-link-1' });

    expect(r.pages).toBe(3);
    expect(r.members).toHaveLength(12);
    const firstPath = nrpsLog(s)[0]!.path;
    expect(firstPath).toBe(`/nrps/course-1/memberships?tenant=a%20b&x=1&role=Learner&limit=5&rlid=resource-link-1`);
    const m = r.members[0]!;
    expect(m.message).toHaveLength(1);
    expect(m.message![0]!['https://purl.imsglobal.org/spec/lti/claim/resource_link']).toEqual({ id: 'resource-link-1' });
  });
});
