// The one vocabulary every catalogue module speaks.

export interface CatalogueEntry {
  /** HTTP status a request that ends on this code is answered with. */
  status: number;
  /**
   * Shown to the person in front of the page, in plain words: the learner on a launch, the
   * instructor in the scenario picker, the LMS admin on the registration page.
   */
  learner: string;
  /** What went wrong, for the workspace admin (troubleshooting timeline, dashboard). */
  admin: string;
  /** What the admin should do. */
  fix: string;
}

/** A domain's slice of the catalogue: every code it lists has an entry. */
export type CatalogueSlice<Code extends string = string> = Readonly<Record<Code, CatalogueEntry>>;

/** Closing sentence of learner texts where only the admin can help. */
export const ASK_ADMIN = 'Please try again from your course. If it keeps happening, give the code below to your administrator.';
