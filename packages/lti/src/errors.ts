// Every failure a launch can meet has a stable code. The one catalogue (`explain(code)` of
// @tether/errors) gives each a learner message, an admin explanation, the fix and the status
// the runtime answers with; the error page and the troubleshooting timeline both read it.
import { explain, TetherError, type TetherErrorOptions } from '@tether/errors';

export const LTI_ERROR_CODES = [
  'invalid_request',
  'unknown_platform',
  'ambiguous_platform',
  'target_link_uri_invalid',
  'platform_error',
  'state_missing',
  'state_unknown',
  'state_expired',
  'nonce_replayed',
  'jwt_malformed',
  'alg_not_allowed',
  'kid_missing',
  'kid_not_found',
  'jwks_unreachable',
  'bad_signature',
  'iss_mismatch',
  'aud_mismatch',
  'azp_mismatch',
  'token_expired',
  'iat_in_future',
  'token_too_old',
  'nonce_missing',
  'nonce_mismatch',
  'platform_mismatch',
  'deployment_missing',
  'unknown_deployment',
  'deployment_mismatch',
  'unsupported_message_type',
  'wrong_version',
  'claim_invalid',
  'sub_missing',
  'scenario_not_found',
  'scenario_id_missing',
  'scenario_archived',
  'internal_error',
] as const;
export type LtiErrorCode = (typeof LTI_ERROR_CODES)[number];

export class LtiError extends TetherError<LtiErrorCode> {
  override readonly name = 'LtiError';
  /** The status the runtime answers with: the catalogue's for this code unless given. */
  declare readonly status: number;

  /** `details` are safe to log and show to admins: claim names, kids, URLs — never tokens or secrets. */
  constructor(code: LtiErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, { ...options, status: options.status ?? explain(code)?.status ?? 500 });
  }
}

/** Narrowing helper: `isLtiError(err, 'kid_not_found')`. */
export const isLtiError = (e: unknown, code?: LtiErrorCode): e is LtiError => e instanceof LtiError && (code === undefined || e.code === code);
