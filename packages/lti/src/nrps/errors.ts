/**
 * Stable, machine-readable error codes. Callers branch on `code`, never on `message`.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export type NrpsErrorCode =
  /** 401 again after discarding the token and retrying once with a fresh one. */
  | 'nrps_token_rejected'
  /** 403: the token lacks the contextmembership.readonly scope (or the platform forbids the call). */
  | 'nrps_scope_missing'
  /** 404: the memberships URL is unknown to the platform (context deleted, wrong URL). */
  | 'nrps_not_found'
  /** 406, any other 4xx, or a redirect (not followed: it would carry the bearer token). */
  | 'nrps_request_rejected'
  /** 5xx, 429, network failure or timeout: retryable; `details.pageNumber` says where it stopped. */
  | 'nrps_unavailable'
  /** A 2xx answer that is not a membership container, or paging that cannot be trusted. */
  | 'nrps_invalid_response';

/**
 * Extra context that is safe to log: URLs, HTTP status, page number, a truncated response body —
 * never an access token.
 */
export type NrpsErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

export class NrpsError extends Error {
  override readonly name = 'NrpsError';
  readonly code: NrpsErrorCode;
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status: number | undefined;
  /** True when the same call may succeed later unchanged (outage, rate limit, timeout). */
  readonly retryable: boolean;
  readonly details: NrpsErrorDetails;

  constructor(
    code: NrpsErrorCode,
    message: string,
    options: { status?: number; retryable?: boolean; details?: NrpsErrorDetails; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? code === 'nrps_unavailable';
    this.details = options.details ?? {};
  }
}

/** Narrowing helper: `isNrpsError(err, 'nrps_unavailable')`. */
export function isNrpsError(err: unknown, code?: NrpsErrorCode): err is NrpsError {
  return err instanceof NrpsError && (code === undefined || err.code === code);
}
