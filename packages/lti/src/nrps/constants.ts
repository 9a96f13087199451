// Names and Role Provisioning Services 2.0: the wire constants and client defaults.
import { OUTBOUND_TIMEOUT_MS } from '@tether/http';
import { NRPS_SCOPE } from '../claims.js';

/** `https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly` (same binding as claims.ts). */
export { NRPS_SCOPE };

/** Accept header of a memberships request (platforms answer 406 to anything else). */
export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

/** Default cap on pages followed in one call; reaching it with a `next` link left gives `truncated: true`. */
export const NRPS_DEFAULT_MAX_PAGES = 100;

/** Default time budget of one page request (headers and body). */
export const NRPS_DEFAULT_TIMEOUT_MS = OUTBOUND_TIMEOUT_MS;

/** Largest page body read; a bigger answer is refused as `nrps_invalid_response`. */
export const NRPS_MAX_PAGE_BYTES = 16 * 1024 * 1024;

/** Longest response-body excerpt kept in error details. */
export const NRPS_BODY_EXCERPT_CHARS = 500;
