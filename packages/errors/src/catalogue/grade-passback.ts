// Grade passback: the codes a passback fails with besides AgsError's own (the worker raises
// these itself; `internal_error` and `platform_not_found` are shared, see shared.ts).
import { GRADE_NOT_SENT } from './ags.js';
import type { CatalogueSlice } from './entry.js';

/** Failure codes of a passback that are not AGS error codes. */
export const PASSBACK_ERROR_CODES = ['ags_not_available', 'platform_not_found', 'job_failed', 'internal_error'] as const;
export type PassbackErrorCode = (typeof PASSBACK_ERROR_CODES)[number];

export const gradePassbackEntries: CatalogueSlice = {
  ags_not_available: {
    // The Grades API refuses such a grade with this status; nothing is stored.
    status: 422,
    learner: GRADE_NOT_SENT,
    admin:
      'The launch cannot carry a grade: the LMS sent no usable AGS endpoint with it (no line item, or only a line item container without a resource link — an instructor’s deep-linking launch), did not grant the score scope, or the launch was anonymous.',
    fix: 'Report grades against a learner’s resource-link launch. If learners’ launches lack it too, enable grade passback ("Assignment and Grade Services" with the score scope) for the tool in the LMS; the next launch carries it.',
  },
  job_failed: {
    status: 500,
    learner: GRADE_NOT_SENT,
    admin: 'The delivery job stopped without finishing (the runtime was killed while sending, repeatedly).',
    fix: 'Check the runtime logs, then retry.',
  },
};
