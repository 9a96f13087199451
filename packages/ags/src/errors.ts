import { TetherError, type TetherErrorOptions } from '@tether/errors';

/**
 * Stable, machine-readable error codes. Callers branch on `code`, never on `message`.
 * Adding a code is a minor change; renaming or removing one is breaking.
 *
 * - `ags_scope_missing`: the needed scope was not granted (refused locally) or the platform answered 403.
 * - `ags_token_rejected`: the token endpoint refused the client assertion, or a fresh token got 401 again.
 * - `ags_lineitem_not_found`: the line item URL answered 404 (deleted column, wrong URL).
 * - `ags_platform_unavailable`: 5xx, 429, network failure or timeout: try again later.
 * - `ags_invalid_score`: the score breaks an AGS rule; refused locally, nothing was sent.
 * - `ags_invalid_lineitem`: the line item breaks an AGS rule; refused locally, nothing was sent.
 * - `ags_request_rejected`: any other 4xx (or a redirect) from a service call.
 * - `ags_invalid_response`: a 2xx answer the client cannot use (not JSON, wrong shape, cross-origin or looping paging).
 */
export const AGS_ERROR_CODES = [
  'ags_scope_missing',
  'ags_token_rejected',
  'ags_lineitem_not_found',
  'ags_platform_unavailable',
  'ags_invalid_score',
  'ags_invalid_lineitem',
  'ags_request_rejected',
  'ags_invalid_response',
] as const;
export type AgsErrorCode = (typeof AGS_ERROR_CODES)[number];

/**
 * Extra context that is safe to log: URLs, HTTP status, the platform's OAuth `error` and
 * `error_description`, a truncated response body — never an access token or an assertion.
 */
export type AgsErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

export interface AgsErrorOptions extends TetherErrorOptions {
  details?: AgsErrorDetails;
}

export class AgsError extends TetherError<AgsErrorCode> {
  override readonly name = 'AgsError';
  declare readonly details: AgsErrorDetails;

  /** `retryable` defaults to true for `ags_platform_unavailable` only. */
  constructor(code: AgsErrorCode, message: string, options: AgsErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? code === 'ags_platform_unavailable' });
  }
}

/** Narrowing helper: `isAgsError(err, 'ags_scope_missing')`. */
export function isAgsError(err: unknown, code?: AgsErrorCode): err is AgsError {
  return err instanceof AgsError && (code === undefined || err.code === code);
}
