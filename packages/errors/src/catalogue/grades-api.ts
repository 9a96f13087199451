// The Grades API (`/api/v1/grades`): the codes it answers a host product's call with besides
// the shared ones (`invalid_request`, `request_too_large`, `rate_limited`) and
// `ags_not_available` (grade-passback.ts). The person reading `learner` here is the developer
// of the host product; nothing is stored for a refused call.
import type { CatalogueSlice } from './entry.js';

export const GRADES_API_ERROR_CODES = ['unauthorized', 'launch_not_found', 'launch_not_landed', 'attempt_conflict', 'attempt_not_found', 'not_found'] as const;
export type GradesApiErrorCode = (typeof GRADES_API_ERROR_CODES)[number];

export const gradesApiEntries: CatalogueSlice<GradesApiErrorCode> = {
  unauthorized: {
    status: 401,
    learner: 'The Grades API needs a workspace API key: send Authorization: Bearer tk_… with every call.',
    admin: 'A Grades API call came without an API key, or with one that is unknown, revoked or malformed.',
    fix: 'Create a key under Settings → API keys (or `pnpm tether apikey create --workspace <slug>`) and configure the host product with it.',
  },
  launch_not_found: {
    status: 404,
    learner: 'The Grades API has no launch with this ID in the API key’s workspace.',
    admin: 'A grade named a launch that does not exist in this workspace (a typo, a launch of another workspace, or one removed by retention).',
    fix: 'Send the correlation ID (or launch ID) the host product received with the learner’s launch, with an API key of the same workspace.',
  },
  launch_not_landed: {
    status: 409,
    learner: 'The Grades API cannot grade this launch: it did not complete.',
    admin: 'A grade named a launch that failed or is still in progress, so no learner landed on a scenario with it.',
    fix: 'Look the launch up under Troubleshooting; grade the learner’s launch that landed.',
  },
  attempt_conflict: {
    status: 409,
    learner: 'The Grades API already has this attemptId with another launch or score.',
    admin: 'The host product reused an attempt ID for a different launch or score; an attempt ID names one graded attempt.',
    fix: 'Give every graded attempt its own attemptId; resend an attempt only with the same launch and score.',
  },
  attempt_not_found: {
    status: 404,
    learner: 'The Grades API has no attempt with this attemptId in the API key’s workspace.',
    admin: 'A status request named an attempt ID that was never reported in this workspace.',
    fix: 'Check the attempt ID and that the API key belongs to the workspace the grade was reported to.',
  },
  not_found: {
    status: 404,
    learner: 'The Tether runtime has no endpoint at this address.',
    admin: 'A request reached the runtime for a path it does not serve.',
    fix: 'Check the URL: the Grades API is POST /api/v1/grades and GET /api/v1/grades/<attemptId>; LMS endpoints are on the LTI settings page.',
  },
};
