// One catalogue keyed by error code: what the person in front of the page is told, what the
// admin reads on the troubleshooting timeline, and the fix. Each domain words its codes in
// its own module under catalogue/; they merge here into one record.
import { agsEntries } from './catalogue/ags.js';
import { cryptoEntries } from './catalogue/crypto.js';
import { deepLinkingEntries } from './catalogue/deep-linking.js';
import type { CatalogueEntry, CatalogueSlice } from './catalogue/entry.js';
import { gradePassbackEntries } from './catalogue/grade-passback.js';
import { gradesApiEntries } from './catalogue/grades-api.js';
import { launchEntries } from './catalogue/launch.js';
import { nrpsEntries } from './catalogue/nrps.js';
import { outboundEntries } from './catalogue/outbound.js';
import { rateLimitEntries } from './catalogue/rate-limits.js';
import { registrationEntries } from './catalogue/registration.js';
import { sharedEntries } from './catalogue/shared.js';

export type { CatalogueEntry } from './catalogue/entry.js';
export { PASSBACK_ERROR_CODES, type PassbackErrorCode } from './catalogue/grade-passback.js';
export { GRADES_API_ERROR_CODES, type GradesApiErrorCode } from './catalogue/grades-api.js';
export { RATE_LIMIT_ERROR_CODES, type RateLimitErrorCode } from './catalogue/rate-limits.js';
export { ROSTER_SYNC_ERROR_CODES, type RosterSyncErrorCode } from './catalogue/roster-sync.js';

/** Merge the slices; a code worded twice would make one wording silently win, so refuse it. */
function merge(slices: readonly CatalogueSlice[]): Readonly<Record<string, CatalogueEntry>> {
  const all: Record<string, CatalogueEntry> = Object.create(null);
  for (const slice of slices) {
    for (const [code, entry] of Object.entries(slice)) {
      if (code in all) throw new Error(`error catalogue: code "${code}" is worded twice`);
      all[code] = Object.freeze({ ...entry });
    }
  }
  return Object.freeze(all);
}

const CATALOGUE = merge([
  launchEntries,
  deepLinkingEntries,
  registrationEntries,
  agsEntries,
  gradePassbackEntries,
  gradesApiEntries,
  nrpsEntries,
  cryptoEntries,
  outboundEntries,
  rateLimitEntries,
  sharedEntries,
]);

/** The entry for a code, or undefined for a code the catalogue does not hold. */
export function explain(code: string): CatalogueEntry | undefined {
  return Object.hasOwn(CATALOGUE, code) ? CATALOGUE[code] : undefined;
}

/**
 * The entry for a code; for a code the catalogue does not hold, an internal-error wording that
 * names the code so the admin still has something to search for. Every code the product
 * raises has an entry (apps/runtime/test/error-codes-explained.test.ts), so this only happens
 * when the process reading the code runs an older catalogue than the one that recorded it —
 * the dashboard is built separately from the runtime.
 */
export function explainOrUnknown(code: string): CatalogueEntry {
  const known = explain(code);
  if (known) return known;
  const fallback = CATALOGUE.internal_error as CatalogueEntry;
  return {
    status: fallback.status,
    learner: fallback.learner,
    admin: `Tether recorded the error code "${code}", which is not in this process’s error catalogue: it was recorded by a newer Tether version than the one reading it.`,
    fix: 'Update this process (usually the dashboard) to the version of the runtime; meanwhile search the runtime logs for the correlation ID.',
  };
}

/** Every code the catalogue holds. */
export function catalogueCodes(): readonly string[] {
  return Object.keys(CATALOGUE);
}
