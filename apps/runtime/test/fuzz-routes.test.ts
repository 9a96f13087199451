// Property-based fuzzing of every runtime route over real HTTP (so the body, URL and header
// limits in front of the routes are part of what is tested). For ANY method, content type,
// body, query and credentials:
//   1. the answer is never a 5xx (and there is an answer: no hang, no reset below the caps);
//   2. a refused request (4xx) writes nothing — no user, attempt, passback or login state.
//      The one documented exception (docs/architecture.md, "Every refusal goes through
//      fail()"): a protocol refusal that carries a correlation ID records that ONE failed
//      launch row and its events, for troubleshooting. Without a correlation ID, nothing at all;
//   3. the process stays healthy (/healthz and /readyz answer 200 afterwards).
// Seeded and bounded: FUZZ_SEED and FUZZ_RUNS_SCALE (default 1) widen a local hunt.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describe as describeRequest,
  type FuzzBody,
  type FuzzRequest,
  fuzzBody,
  gradableLaunch,
  type KnownValues,
  METHODS,
  type Method,
  nastyString,
  snapshot,
  urlEncoded,
  wellFormed,
  written,
} from './fuzz-helpers.js';
import { GRADE_TEST_ENV, newApiKey } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';
import { launch } from './launch-helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_514);
const SCALE = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** The Grades API's body cap: a reset while sending more than this is a refusal, not a crash. */
const SMALLEST_BODY_CAP = 16 * 1024;

interface RouteSpec {
  name: string;
  /** The methods the route serves (generated more often than the others). */
  methods: readonly Method[];
  path: (known: KnownValues) => fc.Arbitrary<string>;
  numRuns: number;
  /** Send Authorization headers (valid key, none, broken) — the Grades API. */
  auth?: boolean;
}

const fixed = (p: string) => () => fc.constant(p);

const ROUTES: RouteSpec[] = [
  { name: '/lti/login', methods: ['GET', 'POST'], path: fixed('/lti/login'), numRuns: 40 },
  { name: '/lti/launch', methods: ['POST'], path: fixed('/lti/launch'), numRuns: 40 },
  { name: '/lti/launch/continue', methods: ['GET', 'POST'], path: fixed('/lti/launch/continue'), numRuns: 25 },
  { name: '/lti/deep-link', methods: ['GET'], path: fixed('/lti/deep-link'), numRuns: 25 },
  { name: '/lti/deep-link/respond', methods: ['POST'], path: fixed('/lti/deep-link/respond'), numRuns: 30 },
  { name: '/lti/register', methods: ['GET'], path: fixed('/lti/register'), numRuns: 30 },
  { name: '/learn', methods: ['GET'], path: fixed('/learn'), numRuns: 20 },
  { name: '/api/v1/grades', methods: ['POST'], path: fixed('/api/v1/grades'), numRuns: 50, auth: true },
  {
    name: '/api/v1/grades/:id',
    methods: ['GET'],
    path: (k) =>
      fc.oneof(
        nastyString(k, 400).map((id) => `/api/v1/grades/${encodeURIComponent(wellFormed(id))}`),
        fc.constantFrom('%00', '%', '%FF', '%E0%A4%A', '..', '%2F..%2F', 'a/b', '').map((id) => `/api/v1/grades/${id}`),
      ),
    numRuns: 30,
    auth: true,
  },
  {
    name: '/.well-known/*',
    methods: ['GET'],
    path: () =>
      fc.oneof(
        fc.constantFrom('/.well-known/jwks.json', '/.well-known/openid-configuration'),
        fc.webSegment().map((s) => `/.well-known/${s}`),
      ),
    numRuns: 20,
  },
  { name: '/healthz', methods: ['GET'], path: fixed('/healthz'), numRuns: 15 },
  { name: '/readyz', methods: ['GET'], path: fixed('/readyz'), numRuns: 15 },
  {
    name: 'unknown path',
    methods: ['GET', 'POST'],
    path: () =>
      fc.oneof(
        fc.webPath().map((p) => `/nope${p}`),
        fc.constantFrom('/lti', '/lti/', '/api/v1', '/api/v1/grades/', '/learn/x', '/%00', '/%FF', '/lti/launch%00'),
      ),
    numRuns: 20,
  },
];

describe('fuzz: every runtime route, any input', () => {
  let h: Harness;
  let url: string;
  let known: KnownValues;
  let apiKey: string;
  let stats: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    h = await startHarness({ env: GRADE_TEST_ENV });
    url = h.runtime.url;
    apiKey = await newApiKey(h);
    const { correlationId, fallback } = await gradableLaunch(h, () => launch(h, { user: { sub: 'fuzz-1' }, resourceLink: { id: 'rl-fuzz' } }));
    if (fallback) console.warn(`fuzz: no real launch landed (${fallback}); grading an inserted landed launch instead`);
    known = { issuer: h.sim.issuer, clientId: h.sim.clientId, deploymentId: h.sim.deploymentId, toolUrl: url, correlationId };
    stats = {};
  });
  afterAll(async () => {
    // Which answers the suite met, per route (shown with --reporter=verbose; a change here is a behaviour change).
    if (process.env.FUZZ_STATS) console.log(JSON.stringify(stats, null, 1));
    await h?.close();
  });

  /** Credentials the Grades API may see: the valid key most often. */
  const authHeader = () =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(`Bearer ${apiKey}`) },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          'Bearer garbage',
          `bearer ${apiKey}`,
          `Bearer ${apiKey} extra`,
          `Bearer ${apiKey.slice(0, -1)}A`,
          `Bearer tk_000000000000_${'A'.repeat(43)}`,
          'Basic Zm9vOmJhcg==',
          `Bearer ${'x'.repeat(10_000)}`,
        ),
      },
      { weight: 1, arbitrary: fc.stringMatching(/^[ -~]{0,200}$/).map((s) => `Bearer ${s}`) },
    );

  /** Cookies a browser (or an attacker) may send: state cookies, learner sessions, junk, a very large one. */
  const cookieHeader = () =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      { weight: 2, arbitrary: fc.stringMatching(/^[!#-+\--:<-~]{1,60}$/).map((v) => `tether_state_${v.slice(0, 8)}=${v}; tether_learner=${v}`) },
      { weight: 1, arbitrary: fc.stringMatching(/^[ -~]{0,200}$/) },
      { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => `big=${'c'.repeat(n)}`) },
    );

  function request(route: RouteSpec): fc.Arbitrary<FuzzRequest> {
    const method = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...route.methods) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });
    const query = fc.oneof(
      { weight: 3, arbitrary: urlEncoded(known, 8, 3_000) },
      { weight: 1, arbitrary: urlEncoded(known, 2, 12_000) },
      { weight: 1, arbitrary: fc.constant('') },
    );
    const auth = route.auth ? authHeader() : fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: authHeader() });
    return fc
      .record({ method, path: route.path(known), query, auth, cookie: cookieHeader(), body: fuzzBody(known) })
      .map(({ method: m, path, query: q, auth: a, cookie, body }) => {
        // fetch sends no body with GET or HEAD.
        const b: FuzzBody = m === 'GET' || m === 'HEAD' ? { kind: 'none', contentType: body.contentType, body: null } : body;
        const headers: Record<string, string> = {};
        if (b.contentType !== null) headers['content-type'] = b.contentType;
        if (a) headers.authorization = a;
        if (cookie) headers.cookie = cookie;
        return { method: m, path, query: q, headers, body: b };
      });
  }

  type Answer = { status: number; correlationId: string | null; code: string | null } | { reset: string };

  async function send(r: FuzzRequest): Promise<Answer> {
    try {
      const res = await fetch(`${url}${r.path}${r.query ? `?${r.query}` : ''}`, {
        method: r.method,
        headers: r.headers,
        body: r.body.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let code = res.headers.get('x-tether-error');
      if (!code && (res.headers.get('content-type') ?? '').includes('json')) {
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        } catch {
          code = null;
        }
      }
      return { status: res.status, correlationId: res.headers.get('x-correlation-id'), code };
    } catch (e) {
      return { reset: String((e as Error).cause ?? e) };
    }
  }

  /** One request and its checks; throws (with the request, answer and rows written) on a violation. */
  async function check(route: RouteSpec, r: FuzzRequest): Promise<void> {
    const before = await snapshot(h, known.correlationId);
    const answer = await send(r);
    const after = await snapshot(h, known.correlationId);
    const rows = written(before, after);
    const fault = (why: string) =>
      new Error(`${route.name}: ${why}\n  request: ${describeRequest(r)}\n  answer: ${JSON.stringify(answer)}\n  rows written: ${JSON.stringify(rows)}`);

    if ('reset' in answer) {
      const size = r.body.body === null ? 0 : typeof r.body.body === 'string' ? Buffer.byteLength(r.body.body) : r.body.body.byteLength;
      // A server may cut off an over-cap upload; anything else must get an answer.
      if (size <= SMALLEST_BODY_CAP) throw fault('no answer (connection reset or timeout)');
      if (Object.keys(rows).length > 0) throw fault('a cut-off upload wrote rows');
      tally(route.name, 'reset');
      return;
    }
    tally(route.name, `${answer.status}${answer.code ? ` ${answer.code}` : ''}`);
    if (answer.status >= 500) throw fault(`answered ${answer.status}`);
    if (answer.status < 400 || answer.status >= 500) return;

    // A refusal: nothing created for anyone.
    for (const k of ['users', 'attempts', 'gradePassbacks', 'loginStates'] as const) {
      if (rows[k]) throw fault(`a ${answer.status} refusal wrote ${k}`);
    }
    if (!answer.correlationId) {
      if (rows.launches || rows.launchEvents) throw fault(`a ${answer.status} refusal without a correlation ID wrote launch rows`);
      return;
    }
    // The documented failure record: at most that one failed launch row, and events only of it.
    if ((rows.launches ?? 0) > 1) throw fault('a refusal wrote more than one launch row');
    if (rows.launches === 1) {
      const row = await h.t.db.selectFrom('launches').select(['status']).where('correlation_id', '=', answer.correlationId).executeTakeFirst();
      if (row?.status !== 'failed') throw fault(`the launch row a refusal wrote is ${row ? `status ${row.status}` : 'not under its correlation ID'}`);
    }
    const strayEvents = await h.t.db
      .selectFrom('launch_events')
      .select(['correlation_id'])
      .where('id', '>', before.lastEventId)
      .where('correlation_id', '<>', answer.correlationId)
      .where('correlation_id', '<>', known.correlationId)
      .execute();
    if (strayEvents.length > 0) throw fault(`a refusal wrote events of other correlation IDs: ${strayEvents.map((e) => e.correlation_id).join(', ')}`);
  }

  function tally(route: string, outcome: string) {
    stats[route] ??= {};
    stats[route][outcome] = (stats[route][outcome] ?? 0) + 1;
  }

  for (const route of ROUTES) {
    it(`${route.name}: never a 5xx, and a 4xx writes nothing but its own failure record`, async () => {
      await fc.assert(
        fc.asyncProperty(request(route), (r) => check(route, r)),
        { seed: SEED, numRuns: runs(route.numRuns), endOnFailure: false },
      );
    }, 120_000);
  }

  it('the process stays healthy after the run: /healthz and /readyz answer 200', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
