// Names and Role Provisioning Services: the codes a roster read fails with, worded for roster
// sync (the only flow that calls NRPS). 502: the LMS refused or failed.
import type { CatalogueSlice } from './entry.js';

/** What is shown when a course roster could not be read. */
const ROSTER_NOT_READ = 'The class list of this course could not be read from your learning platform just now. People already known to the activity are not affected.';

export const nrpsEntries: CatalogueSlice = {
  nrps_scope_missing: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: 'The LMS did not grant the Names and Roles scope (contextmembership.readonly), or answered 403.',
    fix: 'Enable "Names and Role Provisioning Services" for the tool in the LMS, launch from the course again, then sync.',
  },
  nrps_not_found: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: 'The LMS answered 404 for the course roster URL (course deleted or URL changed).',
    fix: 'Launch the tool from the course again (a fresh URL is recorded), then sync.',
  },
  nrps_token_rejected: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: "The LMS token endpoint refused the tool's client assertion.",
    fix: "Check the platform's client ID, token URL and audience in Tether, and that the LMS has the tool's current JWKS URL.",
  },
  nrps_request_rejected: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: 'The LMS refused the roster request (4xx or a redirect).',
    fix: 'Read the message; check the tool configuration in the LMS.',
  },
  nrps_unavailable: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: 'The LMS was unreachable or answered 5xx/429 on every try.',
    fix: 'Check that the LMS is up and reachable from Tether, then sync again.',
  },
  nrps_invalid_response: {
    status: 502,
    learner: ROSTER_NOT_READ,
    admin: 'The LMS answered with something that is not a membership container.',
    fix: "Check the LMS's Names and Roles configuration.",
  },
};
