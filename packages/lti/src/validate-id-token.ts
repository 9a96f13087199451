// id_token validation for OIDC step 3, in the order of the LTI Security Framework:
// shape → alg allow-list → kid → signature → iss → aud/azp → exp/iat → nonce → LTI claims.
// Deployment membership is checked by the caller (it needs storage and a policy).
import { type CryptoKey, DEFAULT_CLOCK_TOLERANCE_SEC, DEFAULT_MAX_AGE_SEC, isCryptoError, type KeyObject, verifyJwt } from '@tether/crypto';
import type { z } from 'zod';
import { CLAIM, type DeepLinkingClaims, deepLinkingRequestSchema, MESSAGE_TYPE, type ResourceLinkClaims, resourceLinkRequestSchema } from './claims.js';
import { LtiError, type LtiErrorCode } from './errors.js';

export interface KeyResolver {
  getKey(jwksUrl: string, kid: string | undefined, alg: string): Promise<{ key: CryptoKey | KeyObject; refetched: boolean; fromCache: boolean }>;
}

export interface ValidateIdTokenOptions {
  platform: { issuer: string; clientId: string; jwksUrl: string };
  /** The nonce issued with this launch's state at login. */
  expectedNonce: string;
  keys: KeyResolver;
  algorithms?: string[];
  clockToleranceSec?: number;
  maxAgeSec?: number;
  /** Other audiences this tool trusts in a multi-audience token (rarely needed). */
  trustedAudiences?: readonly string[];
  allowAnonymous?: boolean;
  supportedMessageTypes?: readonly string[];
  now?: () => Date;
  /** Called after each passed check, for the launch timeline. */
  trace?: (step: ValidationStep, details: Record<string, unknown>) => void;
}

export type ValidationStep = 'signature' | 'claims';

export type ValidatedLaunch =
  | { messageType: typeof MESSAGE_TYPE.resourceLink; claims: ResourceLinkClaims; header: { kid: string; alg: string }; deploymentId: string }
  | { messageType: typeof MESSAGE_TYPE.deepLinking; claims: DeepLinkingClaims; header: { kid: string; alg: string }; deploymentId: string };

const CRYPTO_TO_LTI: Record<string, LtiErrorCode> = {
  jwt_malformed: 'jwt_malformed',
  alg_not_allowed: 'alg_not_allowed',
  kid_missing: 'kid_missing',
  kid_not_found: 'kid_not_found',
  bad_signature: 'bad_signature',
  token_expired: 'token_expired',
  iat_in_future: 'iat_in_future',
  token_too_old: 'token_too_old',
  iss_mismatch: 'iss_mismatch',
  aud_mismatch: 'aud_mismatch',
  claim_invalid: 'claim_invalid',
  jwks_fetch_failed: 'jwks_unreachable',
  jwks_timeout: 'jwks_unreachable',
  jwks_too_large: 'jwks_unreachable',
  jwks_invalid: 'jwks_unreachable',
  key_lookup_failed: 'jwks_unreachable',
};

export async function validateIdToken(idToken: unknown, opts: ValidateIdTokenOptions): Promise<ValidatedLaunch> {
  const { platform } = opts;
  if (typeof idToken !== 'string' || idToken.length === 0) throw new LtiError('jwt_malformed', 'The launch has no id_token');
  if (idToken.length > 64 * 1024) throw new LtiError('jwt_malformed', 'The id_token is too large');

  // Signature, alg allow-list, kid, iss, aud, exp/iat: crypto's verifyJwt, each with its own code.
  let refetched = false;
  let header: { kid: string; alg: string } = { kid: '', alg: '' };
  let payload: Record<string, unknown>;
  try {
    const verified = await verifyJwt(
      idToken,
      async (h) => {
        header = { kid: h.kid ?? '', alg: h.alg };
        const r = await opts.keys.getKey(platform.jwksUrl, h.kid, h.alg);
        refetched = r.refetched;
        return r.key;
      },
      {
        algorithms: opts.algorithms ?? ['RS256'],
        issuer: platform.issuer,
        audience: platform.clientId,
        clockToleranceSec: opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
        maxAgeSec: opts.maxAgeSec ?? DEFAULT_MAX_AGE_SEC,
        requiredClaims: ['iss', 'aud'],
        ...(opts.now ? { now: opts.now } : {}),
      },
    );
    payload = verified.payload as Record<string, unknown>;
    header = { kid: verified.protectedHeader.kid ?? '', alg: verified.protectedHeader.alg };
  } catch (e) {
    if (isCryptoError(e)) {
      throw new LtiError(CRYPTO_TO_LTI[e.code] ?? 'jwt_malformed', e.message, { details: { ...(e.details ?? {}), kid: header.kid || undefined, alg: header.alg || undefined } });
    }
    throw e;
  }
  opts.trace?.('signature', { kid: header.kid, alg: header.alg, keyRefetched: refetched });

  // aud may be a string or an array; extra audiences must be trusted, and azp (required
  // when there are several) must be our client_id.
  const aud = Array.isArray(payload.aud) ? (payload.aud as unknown[]) : [payload.aud];
  const untrusted = aud.filter((a) => a !== platform.clientId && !(opts.trustedAudiences ?? []).includes(String(a)));
  if (untrusted.length > 0) throw new LtiError('aud_mismatch', 'The id_token lists audiences this tool does not trust', { details: { audiences: aud.length } });
  if (payload.azp !== undefined && payload.azp !== platform.clientId) throw new LtiError('azp_mismatch', 'The id_token azp is not this client_id');
  if (aud.length > 1 && payload.azp === undefined) throw new LtiError('azp_mismatch', 'A multi-audience id_token must carry azp');

  // Nonce: present and exactly the one issued with this state (consumption is the caller's, atomically).
  if (typeof payload.nonce !== 'string' || payload.nonce === '') throw new LtiError('nonce_missing', 'The id_token has no nonce');
  if (payload.nonce !== opts.expectedNonce) throw new LtiError('nonce_mismatch', 'The id_token nonce was not issued with this state');

  // LTI message.
  const messageType = payload[CLAIM.messageType];
  const supported = opts.supportedMessageTypes ?? [MESSAGE_TYPE.resourceLink, MESSAGE_TYPE.deepLinking];
  if (payload[CLAIM.version] !== '1.3.0')
    throw new LtiError('wrong_version', 'The LTI version claim is not 1.3.0', { details: { version: String(payload[CLAIM.version] ?? '(missing)') } });
  const deploymentId = payload[CLAIM.deploymentId];
  if (typeof deploymentId !== 'string' || deploymentId === '') throw new LtiError('deployment_missing', 'The id_token has no deployment_id claim');
  if (typeof messageType !== 'string' || !supported.includes(messageType)) {
    throw new LtiError('unsupported_message_type', `Message type ${String(messageType)} is not supported`, { details: { messageType: String(messageType ?? '(missing)') } });
  }
  if (payload.sub === undefined && !opts.allowAnonymous) throw new LtiError('sub_missing', 'The launch is anonymous (no sub)');
  if (payload.sub === '') throw new LtiError('sub_missing', 'The id_token sub is empty');

  const schema = messageType === MESSAGE_TYPE.deepLinking ? deepLinkingRequestSchema : resourceLinkRequestSchema;
  const parsed = (schema as z.ZodType).safeParse(payload);
  if (!parsed.success) {
    const claims = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))];
    throw new LtiError('claim_invalid', `Missing or invalid claim: ${claims.join(', ')}`, { details: { claims } });
  }
  opts.trace?.('claims', { messageType, deploymentId });
  return { messageType, claims: parsed.data, header, deploymentId } as ValidatedLaunch;
}
