// Every error code the product can emit is explained by the one catalogue — not only the codes
// the packages list (error-catalogue.test.ts checks those lists), but every code literal the
// runtime, ags, queue and lti sources raise, record or answer with: error constructors,
// refusals (`fail`, `problem`, `{ code: … }` results), the Grades API's answers, timeline
// errors. A code found here without an entry is what the troubleshooting view would show as
// "not in this process's error catalogue", and the learner page as an internal error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { explain } from '@tether/errors';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const DIRS = ['apps/runtime/src', 'packages/ags/src', 'packages/queue/src', 'packages/lti/src'];

/** Literals in the places below that are not error codes. */
const NOT_CODES: Readonly<Record<string, string>> = {
  custom: "zod's issue kind (packages/lti nrps membership container)",
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

const CODE = /'([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+)'/g;
const literals = (text: string) => [...text.matchAll(CODE)].map((m) => m[1]!);
/** Of `cond ? 'a' : 'b'`, the branches (the literals compared in conditions are no codes); of a plain expression, itself. */
const branches = (expr: string) => (expr.includes('?') ? expr.slice(expr.indexOf('?') + 1) : expr).replace(/[=!]==?\s*'[^']*'/g, '');

/** Code literals in one file, each in a position that raises, records or answers it. */
function codesIn(text: string): string[] {
  const found: string[] = [];
  const add = (s: string | undefined) => s && found.push(...literals(branches(s)).filter((c) => c.includes('_') || /^[a-z]+$/.test(c)));
  // new AgsError('ags_scope_missing', …), new PassbackError(…), new LtiError(…) …
  for (const m of text.matchAll(/new [A-Z]\w*Error\(\s*([^,)]+)/g)) add(m[1]);
  // { ok: false, code: 'state_expired' }, { error: { code: 'not_found' } }, outcome codes
  for (const m of text.matchAll(/\bcode: ('[a-z_]+')/g)) add(m[1]);
  // fail(deps, timeline, 'scenario_not_found', …); the grade worker's fail(ref, 'job_failed', …)
  for (const m of text.matchAll(/\bfail\(\s*deps,\s*[^,]+,\s*([^,]+),/g)) add(m[1]);
  for (const m of text.matchAll(/\bfail\(\s*[^,']+,\s*('[a-z_]+')/g)) add(m[1]);
  // the Grades API: apiError(c, 422, 'ags_not_available', …)
  for (const m of text.matchAll(/\bapiError\(\s*c,\s*\d+,\s*([^,]+),/g)) add(m[1]);
  // registration: problem(cond ? 'registration_url_used' : …)
  for (const m of text.matchAll(/\bproblem\(([^;]+)\);/g)) add(m[1]);
  // timeline.error(step, 'code', …)
  for (const m of text.matchAll(/\.error\(\s*[^,]+,\s*('[a-z_]+')/g)) add(m[1]);
  // the packages' code lists: export const X_ERROR_CODES = [ … ]
  for (const m of text.matchAll(/_ERROR_CODES = \[([^\]]*)\]/g)) add(m[1]);
  // a code type: type RequestInputCode = 'invalid_request' | 'request_too_large'
  for (const m of text.matchAll(/type \w*Code = ([^;]+);/g)) add(m[1]);
  return found.filter((c) => !Object.hasOwn(NOT_CODES, c));
}

function emittedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const dir of DIRS) {
    for (const file of sources(join(root, dir))) {
      for (const code of codesIn(readFileSync(file, 'utf8'))) if (!codes.has(code)) codes.set(code, file.slice(root.length + 1));
    }
  }
  return codes;
}

describe('every code the product emits is explained', () => {
  const codes = emittedCodes();

  it('collects the codes of every package that raises them (the collector works)', () => {
    for (const c of [
      'nonce_replayed',
      'scenario_not_found',
      'ags_scope_missing',
      'ags_not_available',
      'job_failed',
      'nrps_unavailable',
      'registration_url_used',
      'deep_link_already_sent',
      'service_token_rejected',
      'launch_not_landed',
      'attempt_conflict',
      'rate_limited',
      'request_too_large',
    ]) {
      expect(codes.has(c), c).toBe(true);
    }
    expect(codes.size).toBeGreaterThan(80);
  });

  it('has a catalogue entry (learner, admin, fix) for each', () => {
    const missing = [...codes].filter(([code]) => explain(code) === undefined).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });
});
