// Failures of an outbound request, before any caller-specific meaning is given to them:
// callers (JWKS, AGS, NRPS, dynamic registration) map these codes to their own.
import { TetherError, type TetherErrorOptions } from '@tether/errors';

export const HTTP_ERROR_CODES = [
  /** Not an absolute http(s) URL; nothing was sent. */
  'http_invalid_url',
  /** No complete answer (headers and body) within the time budget. */
  'http_timeout',
  /** Connection refused or reset, DNS failure, TLS failure… */
  'http_network',
  /** The answer (announced or streamed) is larger than the cap. */
  'http_too_large',
  /** A redirect the caller did not allow (or too many, or without a usable Location). */
  'http_redirect_refused',
  /** The host resolves to a loopback, private or otherwise internal address: nothing was sent. */
  'http_address_refused',
] as const;

export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export class HttpError extends TetherError<HttpErrorCode> {
  override name = 'HttpError';

  constructor(code: HttpErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? (code === 'http_timeout' || code === 'http_network') });
  }

  /** Why the request failed, in one word (`timeout`, `network`, `not_allowed`…). */
  get reason(): string | undefined {
    return typeof this.details.reason === 'string' ? this.details.reason : undefined;
  }
}

export function isHttpError(err: unknown, code?: HttpErrorCode): err is HttpError {
  return err instanceof HttpError && (code === undefined || err.code === code);
}
