// Assignment and Grade Services: the codes an AGS call fails with, worded for grade passback
// (the only flow that calls AGS). Failures happen in the background, so `status` is what a
// request ending on the code would get: 502 when the LMS refused or failed, 500 for our bugs.
import type { CatalogueSlice } from './entry.js';

/** What the learner is told when their grade did not reach the gradebook. */
export const GRADE_NOT_SENT = 'Your result is saved, but it has not reached your course’s gradebook yet. If your grade does not appear, tell your instructor.';

export const agsEntries: CatalogueSlice = {
  ags_scope_missing: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: 'The LMS did not grant the AGS scope this step needs (score posting or line item management), or answered 403.',
    fix: 'Enable grade passback ("Assignment and Grade Services", score + line item scopes) for the tool in the LMS, then have the learner launch again and retry.',
  },
  ags_lineitem_not_found: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: 'The LMS answered 404 for the grade column (line item): it was deleted or the URL is wrong.',
    fix: 'Recreate the assignment/grade column in the LMS (or relaunch the activity so the LMS sends a fresh line item), then retry.',
  },
  ags_token_rejected: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: "The LMS token endpoint refused the tool's client assertion (client ID, key or audience mismatch).",
    fix: "Check the platform's client ID, token URL and token audience in Tether, and that the LMS has the tool's current JWKS URL; then retry.",
  },
  ags_request_rejected: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: 'The LMS refused the score (a 4xx other than 401/403/404), for example an out-of-range score or an older timestamp.',
    fix: 'Read the LMS message in the details; fix the grade column settings (maximum, "can exceed") and retry.',
  },
  ags_platform_unavailable: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: 'The LMS was unreachable or answered 5xx/429 on every try.',
    fix: 'Check that the LMS is up and reachable from Tether, then retry.',
  },
  ags_invalid_score: {
    status: 500,
    learner: GRADE_NOT_SENT,
    admin: 'The score broke an AGS rule and was not sent.',
    fix: 'Report this to the Tether maintainers with the correlation ID.',
  },
  ags_invalid_lineitem: {
    status: 500,
    learner: GRADE_NOT_SENT,
    admin: 'A line item could not be created for the resource link (invalid label or maximum).',
    fix: 'Create the grade column in the LMS by hand, relaunch, then retry.',
  },
  ags_invalid_response: {
    status: 502,
    learner: GRADE_NOT_SENT,
    admin: 'The LMS answered with something Tether cannot use (not JSON, wrong shape).',
    fix: "Check the LMS's AGS configuration; retry later.",
  },
};
