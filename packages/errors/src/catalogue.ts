// One catalogue keyed by error code: what the learner (or the instructor in the picker) is
// told, what the admin reads on the troubleshooting timeline, and the fix.

export interface CatalogueEntry {
  /** HTTP status a request that ends on this code is answered with. */
  status: number;
  /** Shown to the learner (or instructor): plain words, no jargon. */
  learner: string;
  /** What went wrong, for the workspace admin. */
  admin: string;
  /** What the admin should do. */
  fix: string;
}

const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {};

/** The entry for a code, or undefined for a code the catalogue does not hold. */
export function explain(code: string): CatalogueEntry | undefined {
  return Object.hasOwn(CATALOGUE, code) ? CATALOGUE[code] : undefined;
}
