// Property-based fuzzing of every tRPC procedure of the app router, through the server-side
// caller (as the dashboard's load functions call it), as an admin, a member and signed out.
// For ANY input — random JSON, NUL and lone surrogates, huge strings, NaN/Infinity/5e-324,
// nested objects, and the field names the procedures read:
//   1. never an internal error: a throw is a TRPCError whose code is not INTERNAL_SERVER_ERROR;
//   2. a refused call writes nothing: the main tables' row counts, and the content of the
//      rows an update could touch, are unchanged when the call throws.
// Seeded and bounded: FUZZ_SEED and FUZZ_RUNS_SCALE (default 1) widen a local hunt.
import { randomUUID } from 'node:crypto';
import { sql } from '@tether/db';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, validPlatform } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_514);
const SCALE = Number(process.env.FUZZ_RUNS_SCALE ?? 1);
const RUNS_PER_PROCEDURE = Math.max(1, Math.round(14 * SCALE));

/** Every procedure path of the app router ('platforms.get', …): a new procedure is fuzzed without touching this file. */
const PROCEDURES = Object.keys(appRouter._def.procedures).sort();

/** Tables a procedure could write; `hashed` ones are compared by content too (an update changes no count). */
const COUNTED = [
  'workspaces',
  'users',
  'memberships',
  'platforms',
  'deployments',
  'scenarios',
  'registration_tokens',
  'launches',
  'launch_events',
  'attempts',
  'grade_passbacks',
  'roster_syncs',
  'api_keys',
  'audit_log',
] as const;
const HASHED = ['platforms', 'deployments', 'scenarios', 'api_keys', 'grade_passbacks', 'launches'] as const;

const NASTY = ['', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '%00', '%', ' ', '\t\n', '__proto__', 'constructor', '😀', '\u202e', "'; drop table platforms; --", 'NaN', '-1'];
const NUMBERS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -0, 1e308, -1, 0, 1, 7, 90, 91, 100, 101, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 0.5];
/** The field names the routers read. */
const KEYS = [
  'id',
  'name',
  'slug',
  'title',
  'description',
  'issuer',
  'clientId',
  'deploymentIds',
  'authLoginUrl',
  'tokenUrl',
  'jwksUrl',
  'tokenAudience',
  'deploymentPolicy',
  'correlationId',
  'outcome',
  'platformId',
  'scenarioId',
  'launchId',
  'contextId',
  'since',
  'until',
  'limit',
  'cursor',
  'days',
  'status',
];

let env: Env;
let A: TestWorkspace;
let callers: Record<'admin' | 'member' | 'anonymous', Caller>;
let known: { platformId: string; scenarioId: string; launchId: string; correlationId: string };

beforeAll(async () => {
  // Test connection gets an LMS that answers at once (no network in a fuzz run).
  env = await setupEnv({ fetch: async () => new Response('{"keys":[]}', { status: 200, headers: { 'content-type': 'application/json' } }) });
  A = await createTestWorkspace(env, 'fuzz-a');
  const admin = await callerFor(env, A.adminId);
  callers = { admin, member: await callerFor(env, A.memberId), anonymous: await callerFor(env, null) };
  const platformId = (await admin.platforms.createManual(validPlatform('fuzz'))).id;
  const scenarioId = (await admin.scenarios.create({ slug: 'fuzz', title: 'Fuzz' })).id;
  const launch = await insertLaunch(env.db, { workspaceId: A.id, platformId, scenarioId, status: 'landed', contextId: 'course-fuzz', ltiSub: 'learner-1' });
  known = { platformId, scenarioId, launchId: launch.id, correlationId: launch.correlation_id };
});
afterAll(async () => env?.close());

/** Row counts of every table a procedure could write, and a digest of the rows an update could change — one statement. */
async function snapshot(): Promise<Record<string, string | number>> {
  const counts = COUNTED.map((t) => sql`(select count(*)::int from ${sql.table(t)}) as ${sql.ref(`n_${t}`)}`);
  const digests = HASHED.map((t) => sql`(select md5(coalesce(string_agg(r::text, ',' order by r::text), '')) from ${sql.table(t)} r) as ${sql.ref(`h_${t}`)}`);
  const r = await sql<Record<string, string | number>>`select ${sql.join([...counts, ...digests])}`.execute(env.db);
  return r.rows[0]!;
}

function diff(before: Record<string, string | number>, after: Record<string, string | number>): string[] {
  return Object.keys(before).filter((k) => before[k] !== after[k]);
}

/** A value for a field: hostile strings and numbers, real IDs, valid-looking values, nested junk. */
const value = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
    { weight: 3, arbitrary: fc.constantFrom(known.platformId, known.scenarioId, known.launchId, known.correlationId, randomUUID(), '00000000-0000-0000-0000-000000000000') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'https://lms.example.com/jwks',
        'http://127.0.0.1:9/jwks',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'strict',
        'learn',
        'landed',
        'failed',
        'queued',
        'intro-1',
        '2026-01-01T00:00:00Z',
        '0000-00-00T00:00:00Z',
        'a, b, , c',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, undefined, [], {}) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 5_000 }).map((d) => nested(d)) },
  );

/** An object `d` levels deep (a recursive validator's stack would notice). */
function nested(d: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < d; i++) v = { a: v };
  return v;
}

/** An input: mostly objects of the fields procedures read (some valid, some not), or any value at all. */
const input = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), value(), { maxKeys: 6 }) },
    { weight: 2, arbitrary: fc.record({ ...mapValues(validPlatform('gen')), id: value() }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
    { weight: 1, arbitrary: value() },
  );

/** Each field either its valid value or a generated one (to get past all but one check). */
function mapValues(o: Record<string, unknown>): Record<string, fc.Arbitrary<unknown>> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: value() })]));
}

/** Calls a procedure by its dotted path on a caller. */
function call(caller: Caller, path: string, arg: unknown): Promise<unknown> {
  const [router, proc] = path.split('.') as [string, string];
  const fn = (caller as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[router]![proc]!;
  return fn(arg);
}

const show = (v: unknown) => {
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? '<undefined>' : x));
  return s === undefined ? String(v) : s.length > 400 ? `${s.slice(0, 400)}…(${s.length} chars)` : s;
};

describe('fuzz: every tRPC procedure, any input', () => {
  it('enumerates the app router (a new procedure is fuzzed automatically)', () => {
    expect(PROCEDURES.length).toBeGreaterThanOrEqual(20);
    expect(PROCEDURES).toContain('platforms.createManual');
  });

  for (const path of PROCEDURES) {
    it(`${path}: never an internal error, and a refused call writes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('admin', 'admin', 'admin', 'member', 'anonymous') as fc.Arbitrary<keyof typeof callers>, input(), async (who, arg) => {
          const before = await snapshot();
          let error: unknown;
          try {
            await call(callers[who], path, arg);
          } catch (e) {
            error = e;
          }
          if (error === undefined) return; // accepted: it may write
          const where = `${path} as ${who} with input ${show(arg)}`;
          if (!(error instanceof TRPCError)) throw new Error(`${where}: threw a non-TRPCError: ${String(error)}`);
          if (error.code === 'INTERNAL_SERVER_ERROR') throw new Error(`${where}: INTERNAL_SERVER_ERROR (cause: ${String(error.cause)})`);
          const changed = diff(before, await snapshot());
          if (changed.length > 0) throw new Error(`${where}: refused with ${error.code} "${error.message.slice(0, 200)}" but changed ${changed.join(', ')}`);
        }),
        { seed: SEED, numRuns: RUNS_PER_PROCEDURE },
      );
    }, 120_000);
  }
});
