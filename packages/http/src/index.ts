// @tether/http: the one outbound HTTP client (timeouts, size caps, redirect policy, typed
// errors) and the readings of an answer that service clients share.

export { type HostLookup, isHostAllowed, isPublicAddress } from './address-guard.js';
export { HTTP_ERROR_CODES, HttpError, type HttpErrorCode, isHttpError } from './http-error.js';
export { type LinkRels, type LinkTarget, parseLinkHeader } from './link-header.js';
export { bodyExcerpt, parseJsonBody, retryAfterSec } from './response-helpers.js';
export {
  DOCUMENT_MAX_BYTES,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  OUTBOUND_TIMEOUT_MS,
  type RedirectPolicy,
  requireUserAgent,
  send,
  TETHER_USER_AGENT,
} from './send.js';
