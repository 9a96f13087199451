import { isHostAllowed } from '@tether/http';
import { CryptoError } from './errors.js';
import { HANDOFF_ALGORITHMS, HANDOFF_TOKEN_TTL_SEC, HANDOFF_TOKEN_TYPE, type HandoffContext, parseHandoffClaims } from './handoff-claims.js';
import { createMemoryReplayStore, type HandoffReplayStore } from './handoff-replay-store.js';
import { DEFAULT_CLOCK_TOLERANCE_SEC, MAX_CLOCK_TOLERANCE_SEC, verifyJwt } from './jwt-verify.js';
import { createRemoteJwksResolver } from './remote-jwks.js';

export interface HandoffVerifierOptions {
  /** Tether's key set: `<runtime>/.well-known/jwks.json`. Must be https unless its host is in `allowInsecureHosts`. */
  jwksUrl: string;
  /** Exactly the runtime's PUBLIC_URL. */
  issuer: string;
  /** Exactly this player's origin (the origin of the runtime's SCENARIO_PLAYER_URL). */
  audience: string;
  /** Where used `jti`s are remembered. Default: a memory store of this verifier (one process). */
  replayStore?: HandoffReplayStore;
  /** Allowed clock skew for exp/iat. Default 60, clamped to [0, 300]. */
  clockToleranceSec?: number;
  /**
   * Hosts (`host` or `host:port`) the JWKS may be fetched from over plain http and on loopback or
   * private addresses — a local Tether during development only (e.g. `localhost:3001`). Every
   * other JWKS URL must be https on a public address.
   */
  allowInsecureHosts?: readonly string[];
  /** Sent when fetching the JWKS. Default `tether-handoff-verifier (@tether/crypto)`. */
  userAgent?: string;
  /** Budget for one JWKS fetch. Default 5000. */
  timeoutMs?: number;
  /** For tests. Default: the global fetch. */
  fetch?: typeof fetch;
  /** For tests. Default: the clock. */
  now?: () => Date;
}

export interface VerifiedHandoff extends HandoffContext {
  jti: string;
  /** The token's `exp`. */
  expiresAt: Date;
}

export interface HandoffVerifier {
  /** The context of a valid, unexpired, first-used token; otherwise a CryptoError. */
  verify(token: string): Promise<VerifiedHandoff>;
}

const DEFAULT_USER_AGENT = 'tether-handoff-verifier (@tether/crypto)';

/**
 * Verifies hand-off tokens for a scenario player, against Tether's published JWKS (fetched
 * and cached; an unknown kid refetches once, so key rotation needs nothing from the host).
 *
 * Refusals, each a CryptoError: `jwt_malformed`, `alg_not_allowed` (only RS256/ES256;
 * `none` and HS* never), `kid_missing` / `kid_not_found`, `jwks_*`, `bad_signature`,
 * `iss_mismatch`, `aud_mismatch`, `token_expired`, `token_too_old` (iat older than 300 s),
 * `iat_in_future`, `claim_invalid` (e.g. no exp), `handoff_token_invalid` (wrong `typ`,
 * malformed claims), `handoff_token_replayed` (jti already used).
 */
export function createHandoffVerifier(opts: HandoffVerifierOptions): HandoffVerifier {
  const jwksUrl = checkJwksUrl(opts.jwksUrl, opts.allowInsecureHosts);
  if (typeof opts.issuer !== 'string' || opts.issuer === '') throw new TypeError('createHandoffVerifier: issuer is required');
  if (typeof opts.audience !== 'string' || opts.audience === '') throw new TypeError('createHandoffVerifier: audience is required');
  const tolerance = clamp(opts.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC, 0, MAX_CLOCK_TOLERANCE_SEC);
  const replayStore = opts.replayStore ?? createMemoryReplayStore();
  const now = opts.now ?? (() => new Date());
  const jwks = createRemoteJwksResolver({
    userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    ...(opts.allowInsecureHosts === undefined ? {} : { allowPrivateHosts: opts.allowInsecureHosts }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
  });

  return {
    async verify(token) {
      const { payload, protectedHeader } = await verifyJwt(token, async ({ kid, alg }) => (await jwks.getKey(jwksUrl, kid, alg)).key, {
        algorithms: [...HANDOFF_ALGORITHMS],
        issuer: opts.issuer,
        audience: opts.audience,
        clockToleranceSec: tolerance,
        maxAgeSec: HANDOFF_TOKEN_TTL_SEC,
        now,
      });

      // Checked once the signature holds: the same key signs Tether's other JWTs (client
      // assertions, deep-linking responses), and none of them may pass for a hand-off.
      if (normaliseTyp(protectedHeader.typ) !== HANDOFF_TOKEN_TYPE) {
        throw new CryptoError('handoff_token_invalid', `Not a hand-off token: the JWT "typ" header must be "${HANDOFF_TOKEN_TYPE}"`, {
          details: { reason: 'typ', typ: typeof protectedHeader.typ === 'string' ? protectedHeader.typ.slice(0, 64) : null },
        });
      }
      // A token for several audiences could be replayed at the others: one audience, exactly.
      if (Array.isArray(payload.aud)) {
        throw new CryptoError('aud_mismatch', 'A hand-off token must name exactly one audience', { details: { claim: 'aud', reason: 'multiple' } });
      }
      const parsed = parseHandoffClaims(payload);
      if (!parsed.ok) {
        throw new CryptoError('handoff_token_invalid', 'The hand-off token claims are malformed', { details: { reason: 'claims', claims: parsed.invalid } });
      }

      // verifyJwt required exp and iat. The jti is kept until the token can no longer verify:
      // past exp, or past the maximum age, plus the clock tolerance either way.
      const exp = payload.exp as number;
      const iat = payload.iat as number;
      const verifiableUntil = new Date((Math.min(exp, iat + HANDOFF_TOKEN_TTL_SEC) + tolerance) * 1000);
      if (!(await replayStore.claim(parsed.jti, verifiableUntil))) {
        throw new CryptoError('handoff_token_replayed', 'This hand-off token was already used', { details: { reason: 'jti' } });
      }
      return { ...parsed.context, jti: parsed.jti, expiresAt: new Date(exp * 1000) };
    },
  };
}

function checkJwksUrl(value: string, allowInsecureHosts: readonly string[] | undefined): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('createHandoffVerifier: jwksUrl is not a valid URL');
  }
  if (url.protocol === 'https:') return url.href;
  // Over plain http anyone on the path could swap the keys and sign their own launches.
  if (url.protocol === 'http:' && isHostAllowed(url, allowInsecureHosts)) return url.href;
  throw new TypeError(`createHandoffVerifier: jwksUrl must be https (or list "${url.host}" in allowInsecureHosts for a local Tether)`);
}

/** RFC 8725 §3.11 / RFC 7515 §4.1.9: compared case-insensitively, `application/` optional. */
function normaliseTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(Math.max(value, min), max);
}
