// Grade passback: the codes a passback fails with besides AgsError's own (the worker raises
// these itself; `internal_error` and `platform_not_found` are shared, see shared.ts).
import { GRADE_NOT_SENT } from './ags.js';
import type { CatalogueSlice } from './entry.js';

/** Failure codes of a passback that are not AGS error codes. */
export const PASSBACK_ERROR_CODES = ['ags_not_available', 'platform_not_found', 'job_failed', 'internal_error'] as const;
export type PassbackErrorCode = (typeof PASSBACK_ERROR_CODES)[number];

export const gradePassbackEntries: CatalogueSlice = {
  ags_not_available: {
    status: 409,
    learner: GRADE_NOT_SENT,
    admin: 'The launch carried no usable AGS endpoint for this learner.',
    fix: 'Enable grade passback for the tool in the LMS and launch again.',
  },
  job_failed: {
    status: 500,
    learner: GRADE_NOT_SENT,
    admin: 'The delivery job stopped without finishing (the runtime was killed while sending, repeatedly).',
    fix: 'Check the runtime logs, then retry.',
  },
};
