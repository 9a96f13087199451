// Generators and checks for the route fuzz suite (fuzz-routes.test.ts): hostile strings,
// query strings, bodies of every content type, and the row snapshot that tells whether a
// request wrote anything.
import { sql } from '@tether/db';
import fc from 'fast-check';
import type { Harness } from './harness.js';

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
export type Method = (typeof METHODS)[number];

/** Values the runtime knows, so generated requests get past the first checks now and then. */
export interface KnownValues {
  issuer: string;
  clientId: string;
  deploymentId: string;
  toolUrl: string;
  /** A landed launch's correlation ID (the Grades API's `launch`). */
  correlationId: string;
}

/** Strings that have broken parsers and Postgres before: NUL, lone surrogates, stray escapes, long runs. */
const NASTY = [
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '%00',
  '%',
  '100%',
  '%FF',
  '%E0%A4%A',
  '%C0%80',
  '+',
  '&&==&',
  '\r\n',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; drop table launches; --",
  '{"$ne":null}',
  '__proto__',
  'constructor',
  '\u202e\ufeff\u200b',
  '😀',
  'NaN',
  '-1',
  '1e309',
  'null',
];

/** Any string, biased to the hostile ones; `maxLong` bounds the occasional very long value. */
export function nastyString(known: KnownValues, maxLong = 70_000): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 2, arbitrary: fc.constantFrom(known.issuer, known.clientId, known.deploymentId, known.toolUrl, `${known.toolUrl}/lti/launch`, known.correlationId) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: maxLong }).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.string({ maxLength: 10 })).map(([a, b]) => `${b}${a}${b}`) },
  );
}

/** Parameter names the routes read, and some they do not. */
const FIELD_NAMES = [
  'iss',
  'login_hint',
  'target_link_uri',
  'client_id',
  'lti_message_hint',
  'lti_deployment_id',
  'lti_storage_target',
  'state',
  'id_token',
  'error',
  'error_description',
  'session',
  'scenario',
  'token',
  'openid_configuration',
  'registration_token',
  'launch',
  'attemptId',
  'scorePercent',
];
const fieldName = (known: KnownValues): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: nastyString(known, 300) });

/** Encoded `name=value` pairs, sometimes with raw (unencoded, possibly broken) fragments spliced in. */
export function urlEncoded(known: KnownValues, maxPairs: number, maxLong: number): fc.Arbitrary<string> {
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fieldName(known), nastyString(known, maxLong)).map(([k, v]) => `${enc(k)}=${enc(v)}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.constantFrom('%00', '%', '%FF', '%E0%A4%A', '%zz', '', '=', '%2')).map(([k, v]) => `${k}=${v}`) },
    { weight: 1, arbitrary: fc.constantFrom('a', '=', '==', '&', 'a=b=c', '%=%') },
  );
  return fc.array(pair, { maxLength: maxPairs }).map((pairs) => pairs.join('&'));
}

/** encodeURIComponent, which throws on a lone surrogate: then the surrogate goes out as U+FFFD, as a browser would send it. */
function enc(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

/** A lone surrogate replaced by U+FFFD (String#toWellFormed, ES2024, is not in this lib target). */
export const wellFormed = (s: string): string => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

export interface FuzzBody {
  kind: string;
  contentType: string | null;
  body: string | Uint8Array | null;
}

/** A multipart body: well formed, or broken in one of the ways parsers trip on. */
function multipart(known: KnownValues): fc.Arbitrary<FuzzBody> {
  const parts = fc.array(fc.tuple(fieldName(known), nastyString(known, 2_000)), { maxLength: 6 });
  const boundary = fc.oneof(fc.constant('----fuzz7MA4YWxk'), fc.string({ minLength: 1, maxLength: 90 }), fc.constant(''), fc.constant('"quoted"'));
  const breakage = fc.constantFrom('none', 'no-boundary-param', 'other-boundary', 'no-closing', 'truncated', 'no-disposition', 'garbage');
  return fc.tuple(parts, boundary, breakage).map(([ps, b, broken]) => {
    const body = (use: string) => ps.map(([k, v]) => `--${use}\r\nContent-Disposition: form-data; name="${k.replaceAll('"', '%22')}"\r\n\r\n${v}\r\n`).join('');
    let text = `${body(b)}--${b}--\r\n`;
    let type = `multipart/form-data; boundary=${b}`;
    if (broken === 'no-boundary-param') type = 'multipart/form-data';
    if (broken === 'other-boundary') text = `${body('not-the-boundary')}--not-the-boundary--\r\n`;
    if (broken === 'no-closing') text = body(b);
    if (broken === 'truncated') text = text.slice(0, Math.floor(text.length / 2));
    if (broken === 'no-disposition') text = `--${b}\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--${b}--\r\n`;
    if (broken === 'garbage') text = `\u0000\u0001--${b}\r\n\r\n\r\n--`;
    return { kind: `multipart(${broken})`, contentType: type, body: text };
  });
}

/** JSON: random values, deep nesting, huge-but-bounded strings, raw bytes that are not UTF-8. */
function json(known: KnownValues): fc.Arbitrary<FuzzBody> {
  const gradeLike = fc.record(
    {
      launch: fc.oneof(nastyString(known, 300), fc.constant(known.correlationId), fc.jsonValue({ maxDepth: 1 })),
      attemptId: fc.oneof(nastyString(known, 300), fc.jsonValue({ maxDepth: 1 })),
      scorePercent: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(5e-324, -0, 100, 100.00001, 1e308), nastyString(known, 20)),
      submittedAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        nastyString(known, 40),
        fc.constant('9999-12-31T23:59:59Z'),
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 3, arbitrary: gradeLike.map((v) => ({ kind: 'json(grade-like)', contentType: 'application/json', body: JSON.stringify(v) })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'json(random)', contentType: 'application/json', body: JSON.stringify(v) ?? 'null' })) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 20_000 }).map((d) => ({ kind: `json(nested ${d})`, contentType: 'application/json', body: `${'['.repeat(d)}${']'.repeat(d)}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 40_000 })
        .map((n) => ({ kind: `json(long ${n})`, contentType: 'application/json', body: JSON.stringify({ launch: 'x'.repeat(n), attemptId: 'a', scorePercent: 1 }) })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{"launch":', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '1e999', '[', '')
        .map((b) => ({ kind: 'json(raw)', contentType: 'application/json', body: b })),
    },
  );
}

/** Any body a client could send, with the content type it claims. */
export function fuzzBody(known: KnownValues): fc.Arbitrary<FuzzBody> {
  const anyType = fc.constantFrom(
    null,
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json',
    'text/plain',
    'application/octet-stream',
    'application/x-www-form-urlencoded; charset=latin1',
    'text/html; charset=utf-8',
    'form',
    ';;;',
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<FuzzBody>({ kind: 'none', contentType: null, body: null }) },
    { weight: 4, arbitrary: urlEncoded(known, 12, 70_000).map((b) => ({ kind: 'form', contentType: 'application/x-www-form-urlencoded', body: b })) },
    { weight: 2, arbitrary: multipart(known) },
    { weight: 3, arbitrary: json(known) },
    { weight: 1, arbitrary: fc.tuple(nastyString(known), anyType).map(([b, t]) => ({ kind: 'text', contentType: t ?? 'text/plain', body: b })) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.uint8Array({ maxLength: 4_000 }), anyType).map(([b, t]) => ({ kind: 'binary', contentType: t, body: b })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((n) => ({ kind: `binary(${n})`, contentType: 'application/octet-stream', body: new Uint8Array(n).fill(0xff) })),
    },
  );
}

/** The counts (and the last event id) a request could change. */
export interface Snapshot {
  launches: number;
  launchEvents: number;
  loginStates: number;
  attempts: number;
  gradePassbacks: number;
  users: number;
  lastEventId: string;
}

/** One statement, so the snapshot is consistent. Events of `ignoreCorrelationId` (a landed launch whose passbacks a worker may be logging meanwhile) are left out. */
export async function snapshot(h: Harness, ignoreCorrelationId: string): Promise<Snapshot> {
  const r = await sql<{ launches: number; events: number; states: number; attempts: number; passbacks: number; users: number; last_event: string | null }>`
    select
      (select count(*)::int from launches) as launches,
      (select count(*)::int from launch_events where correlation_id <> ${ignoreCorrelationId}) as events,
      (select count(*)::int from login_states) as states,
      (select count(*)::int from attempts) as attempts,
      (select count(*)::int from grade_passbacks) as passbacks,
      (select count(*)::int from users) as users,
      (select max(id)::text from launch_events where correlation_id <> ${ignoreCorrelationId}) as last_event
  `.execute(h.t.db);
  const row = r.rows[0]!;
  return {
    launches: row.launches,
    launchEvents: row.events,
    loginStates: row.states,
    attempts: row.attempts,
    gradePassbacks: row.passbacks,
    users: row.users,
    lastEventId: row.last_event ?? '0',
  };
}

/** What a request wrote: the differences between two snapshots (empty when nothing). */
export function written(before: Snapshot, after: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['launches', 'launchEvents', 'loginStates', 'attempts', 'gradePassbacks', 'users'] as const) {
    if (after[k] !== before[k]) out[k] = after[k] - before[k];
  }
  return out;
}

/** A request as the suite sends it (kept whole so a counterexample can be replayed). */
export interface FuzzRequest {
  method: Method;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: FuzzBody;
}

/** A readable one-line description of a request for counterexample reports (long values cut). */
export function describe(r: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  const body = r.body.body === null ? 'none' : typeof r.body.body === 'string' ? JSON.stringify(cut(r.body.body)) : `${r.body.body.byteLength} bytes`;
  return `${r.method} ${r.path}${r.query ? `?${cut(r.query)}` : ''} headers=${JSON.stringify(r.headers)} body[${r.body.kind}]=${body}`;
}

/**
 * A landed launch to grade: through lms-sim when a launch lands, else (while the outbound
 * guard keeps the runtime from fetching the sim's JWKS on loopback) a landed row with an AGS
 * line item, inserted directly — the Grades API only reads the row. Returns its correlation ID
 * and, when the fallback was used, why the real launch did not land.
 */
export async function gradableLaunch(
  h: Harness,
  land: () => Promise<{ status: number; error: string | null; correlationId: string | null }>,
): Promise<{ correlationId: string; fallback?: string }> {
  const r = await land();
  if (r.status === 303 && r.correlationId) return { correlationId: r.correlationId };
  const correlationId = `fuzz-${Math.random().toString(36).slice(2, 10)}`;
  await h.t.db
    .insertInto('launches')
    .values({
      correlation_id: correlationId,
      workspace_id: h.workspaceId,
      platform_id: h.platform.id,
      issuer: h.platform.issuer,
      client_id: h.platform.client_id,
      deployment_id: h.sim.deploymentId,
      message_type: 'LtiResourceLinkRequest',
      user_id: null,
      lti_sub: 'fuzz-learner',
      context_id: 'fuzz-course',
      context_title: null,
      resource_link_id: 'rl-fuzz',
      resource_link_title: null,
      scenario_id: null,
      ags_lineitem_url: `${h.sim.issuer}/fuzz/lineitems/1`,
      ags_lineitems_url: null,
      nrps_memberships_url: null,
      status: 'landed',
      error_code: null,
      completed_at: new Date(),
      deep_link_responded_at: null,
    })
    .execute();
  return { correlationId, fallback: `the lms-sim launch answered ${r.status} ${r.error ?? ''}`.trim() };
}
