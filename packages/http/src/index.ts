// @tether/http: the one outbound HTTP client (timeouts, size caps, redirect policy, typed
// errors) and the readings of an answer that service clients share.
export { DOCUMENT_MAX_BYTES, OUTBOUND_TIMEOUT_MS, requireUserAgent, send, TETHER_USER_AGENT, type HttpClientOptions, type HttpRequest, type HttpResponse, type RedirectPolicy } from './send.js';
export { HTTP_ERROR_CODES, HttpError, isHttpError, type HttpErrorCode } from './http-error.js';
export { parseLinkHeader, type LinkRels, type LinkTarget } from './link-header.js';
export { bodyExcerpt, parseJsonBody, retryAfterSec } from './response-helpers.js';
