/**
 * Stable, machine-readable error codes. Callers branch on `code`, never on `message`.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export type AgsErrorCode =
  /** The needed scope was not granted (refused locally) or the platform answered 403. */
  | 'ags_scope_missing'
  /** The token endpoint refused the client assertion, or a fresh token got 401 again. */
  | 'ags_token_rejected'
  /** The line item URL answered 404 (deleted column, wrong URL). */
  | 'ags_lineitem_not_found'
  /** 5xx, 429, network failure or timeout: try again later. */
  | 'ags_platform_unavailable'
  /** The score breaks an AGS rule; refused locally, nothing was sent. */
  | 'ags_invalid_score'
  /** The line item breaks an AGS rule; refused locally, nothing was sent. */
  | 'ags_invalid_lineitem'
  /** Any other 4xx (or a redirect) from a service call. */
  | 'ags_request_rejected'
  /** A 2xx answer the client cannot use (not JSON, wrong shape, cross-origin or looping paging). */
  | 'ags_invalid_response';

/**
 * Extra context that is safe to log: URLs, HTTP status, the platform's OAuth `error` and
 * `error_description`, a truncated response body — never an access token or an assertion.
 */
export type AgsErrorDetails = Readonly<
  Record<string, string | number | boolean | null | undefined | readonly string[]>
>;

export class AgsError extends Error {
  override readonly name = 'AgsError';
  readonly code: AgsErrorCode;
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status: number | undefined;
  /** True when the same call may succeed later unchanged (outage, rate limit, timeout). */
  readonly retryable: boolean;
  readonly details: AgsErrorDetails;

  constructor(
    code: AgsErrorCode,
    message: string,
    options: { status?: number; retryable?: boolean; details?: AgsErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? code === 'ags_platform_unavailable';
    this.details = options.details ?? {};
  }
}

/** Narrowing helper: `isAgsError(err, 'ags_scope_missing')`. */
export function isAgsError(err: unknown, code?: AgsErrorCode): err is AgsError {
  return err instanceof AgsError && (code === undefined || err.code === code);
}
