import { TetherError, type TetherErrorOptions } from '@tether/errors';
import { errors as joseErrors } from 'jose';

/**
 * Stable, machine-readable error codes. Callers branch on `code`, never on `message`.
 * Adding a code is a minor change; renaming or removing one is breaking.
 */
export const CRYPTO_ERROR_CODES = [
  // master secret
  'secret_missing',
  'secret_invalid',
  // tool keys
  'key_decrypt_failed',
  'no_current_key',
  'duplicate_kid',
  'key_state_conflict',
  'key_set_not_loaded',
  // remote JWKS
  'jwks_fetch_failed',
  'jwks_timeout',
  'jwks_too_large',
  'jwks_invalid',
  'kid_missing',
  'kid_not_found',
  'key_lookup_failed',
  // JWT verification
  'jwt_malformed',
  'alg_not_allowed',
  'bad_signature',
  'token_expired',
  'iat_in_future',
  'token_too_old',
  'claim_invalid',
  'iss_mismatch',
  'aud_mismatch',
  // one-time tokens
  'one_time_token_invalid',
  'one_time_token_expired',
  'one_time_token_purpose',
  // hand-off tokens (signature, expiry, issuer and audience use the JWT codes above)
  'handoff_token_invalid',
  'handoff_token_replayed',
] as const;
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

/**
 * Extra context that is safe to log: identifiers (kid, alg, claim name, URL, HTTP status),
 * never a token, a key, a secret or a claim value.
 */
export type CryptoErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined | readonly string[]>>;

export interface CryptoErrorOptions extends TetherErrorOptions {
  details?: CryptoErrorDetails;
}

export class CryptoError extends TetherError<CryptoErrorCode> {
  override readonly name = 'CryptoError';
  declare readonly details: CryptoErrorDetails;

  constructor(code: CryptoErrorCode, message: string, options: CryptoErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Narrowing helper: `isCryptoError(err, 'kid_not_found')`. */
export function isCryptoError(err: unknown, code?: CryptoErrorCode): err is CryptoError {
  return err instanceof CryptoError && (code === undefined || err.code === code);
}

/**
 * Maps an error thrown by jose during JWS/JWT verification to a CryptoError.
 * A CryptoError passes through unchanged. Anything unrecognised becomes `jwt_malformed`
 * with the original kept as `cause` (jose throws TypeError for e.g. a key that does not
 * fit the algorithm, which from the caller's side means "this token cannot be verified").
 */
export function fromJoseError(err: unknown, details: CryptoErrorDetails = {}): CryptoError {
  if (err instanceof CryptoError) return err;

  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new CryptoError('bad_signature', 'JWT signature verification failed', { details, cause: err });
  }
  if (err instanceof joseErrors.JWTExpired) {
    // jose reports both "exp passed" and "older than maxTokenAge" as JWTExpired.
    if (err.claim === 'iat') {
      return new CryptoError('token_too_old', 'JWT was issued too long ago (iat older than the maximum age)', {
        details: { ...details, claim: 'iat' },
        cause: err,
      });
    }
    return new CryptoError('token_expired', 'JWT has expired (exp is in the past)', {
      details: { ...details, claim: 'exp' },
      cause: err,
    });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = err.claim;
    const reason = err.reason;
    if (claim === 'iss') {
      return new CryptoError('iss_mismatch', `JWT "iss" claim is ${reason === 'missing' ? 'missing' : 'not the expected issuer'}`, {
        details: { ...details, claim, reason },
        cause: err,
      });
    }
    if (claim === 'aud') {
      return new CryptoError('aud_mismatch', `JWT "aud" claim is ${reason === 'missing' ? 'missing' : 'not the expected audience'}`, {
        details: { ...details, claim, reason },
        cause: err,
      });
    }
    if (claim === 'iat' && reason === 'check_failed') {
      return new CryptoError('iat_in_future', 'JWT "iat" claim is in the future beyond the allowed clock skew', {
        details: { ...details, claim, reason },
        cause: err,
      });
    }
    return new CryptoError('claim_invalid', `JWT "${claim}" claim is invalid (${reason})`, {
      details: { ...details, claim, reason },
      cause: err,
    });
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
    return new CryptoError('alg_not_allowed', 'JWT algorithm is not allowed or not supported', { details, cause: err });
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return new CryptoError('jwt_malformed', 'JWT is malformed', { details, cause: err });
  }
  return new CryptoError('jwt_malformed', 'JWT could not be verified', { details, cause: err });
}
