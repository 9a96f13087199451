// Failures at a platform's token endpoint (OAuth2 client credentials). AGS and NRPS give them
// their own codes (`ags_token_rejected`, `nrps_unavailable`…) when they surface from a call.
import { TetherError, type TetherErrorOptions } from '@tether/errors';

export const SERVICE_TOKEN_ERROR_CODES = [
  /** The token endpoint refused the client assertion or the scopes (4xx). */
  'service_token_rejected',
  /** 5xx, 429, network failure or timeout at the token endpoint: try again later. */
  'service_token_unavailable',
  /** A 2xx answer without a usable Bearer access token. */
  'service_token_invalid',
] as const;

export type ServiceTokenErrorCode = (typeof SERVICE_TOKEN_ERROR_CODES)[number];

export class ServiceTokenError extends TetherError<ServiceTokenErrorCode> {
  override name = 'ServiceTokenError';

  constructor(code: ServiceTokenErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, { ...options, retryable: options.retryable ?? code === 'service_token_unavailable' });
  }
}

export function isServiceTokenError(err: unknown, code?: ServiceTokenErrorCode): err is ServiceTokenError {
  return err instanceof ServiceTokenError && (code === undefined || err.code === code);
}
