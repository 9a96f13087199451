import { TetherError, type TetherErrorOptions } from '@tether/errors';

/**
 * Stable, machine-readable error codes. Callers branch on `code`, never on `message`.
 * Adding a code is a minor change; renaming or removing one is breaking.
 *
 * - `nrps_token_rejected`: 401 again after discarding the token and retrying once with a fresh one.
 * - `nrps_scope_missing`: 403, the token lacks the contextmembership.readonly scope (or the platform forbids the call).
 * - `nrps_not_found`: 404, the memberships URL is unknown to the platform (context deleted, wrong URL).
 * - `nrps_request_rejected`: 406, any other 4xx, or a redirect (not followed: it would carry the bearer token).
 * - `nrps_unavailable`: 5xx, 429, network failure or timeout: retryable; `details.pageNumber` says where it stopped.
 * - `nrps_invalid_response`: a 2xx answer that is not a membership container, or paging that cannot be trusted.
 */
export const NRPS_ERROR_CODES = ['nrps_token_rejected', 'nrps_scope_missing', 'nrps_not_found', 'nrps_request_rejected', 'nrps_unavailable', 'nrps_invalid_response'] as const;
export type NrpsErrorCode = (typeof NRPS_ERROR_CODES)[number];

/**
 * Extra context that is safe to log: URLs, HTTP status, page number, a truncated response body —
 * never an access token.
 */
export type NrpsErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

export interface NrpsErrorOptions extends TetherErrorOptions {
  details?: NrpsErrorDetails;
}

export class NrpsError extends TetherError<NrpsErrorCode> {
  override readonly name = 'NrpsError';
  declare readonly details: NrpsErrorDetails;

  /** `retryable` defaults to true for `nrps_unavailable` only. */
  constructor(code: NrpsErrorCode, message: string, options: NrpsErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? code === 'nrps_unavailable' });
  }
}

/** Narrowing helper: `isNrpsError(err, 'nrps_unavailable')`. */
export function isNrpsError(err: unknown, code?: NrpsErrorCode): err is NrpsError {
  return err instanceof NrpsError && (code === undefined || err.code === code);
}
