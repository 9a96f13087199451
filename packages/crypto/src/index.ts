// Re-exported so consumers can type keys without importing jose themselves.
export type { CryptoKey, JWK, JWTPayload, KeyObject } from 'jose';
export type { CryptoErrorCode, CryptoErrorDetails } from './errors.js';
export { CRYPTO_ERROR_CODES, CryptoError, fromJoseError, isCryptoError } from './errors.js';
export type { HandoffContext } from './handoff-claims.js';
export { HANDOFF_TOKEN_TTL_SEC, HANDOFF_TOKEN_TYPE } from './handoff-claims.js';
export type { HandoffReplayStore } from './handoff-replay-store.js';
export { createMemoryReplayStore } from './handoff-replay-store.js';
export type { SignHandoffOptions } from './handoff-sign.js';
export { signHandoffToken } from './handoff-sign.js';
export type { HandoffVerifier, HandoffVerifierOptions, VerifiedHandoff } from './handoff-verify.js';
export { createHandoffVerifier } from './handoff-verify.js';
export type { SignJwtOptions } from './jwt-sign.js';
export { signJwt } from './jwt-sign.js';
export type { JwtKeyResolver, VerificationKey, VerifiedJwt, VerifyJwtOptions } from './jwt-verify.js';
export { DEFAULT_CLOCK_TOLERANCE_SEC, DEFAULT_MAX_AGE_SEC, MAX_CLOCK_TOLERANCE_SEC, verifyJwt } from './jwt-verify.js';
export type { LoadMasterSecretOptions, MasterSecret } from './master-secret.js';
export { deriveKey, loadMasterSecret, MIN_SECRET_LENGTH } from './master-secret.js';
export type { OneTimeTokenSignInput, OneTimeTokens, SignedOneTimeToken, VerifiedOneTimeToken } from './one-time-token.js';
export { createOneTimeTokens } from './one-time-token.js';
export { decryptPrivateJwk, encryptPrivateJwk } from './private-key-encryption.js';
export { toPublicJwk } from './public-jwk.js';
export type {
  FetchJwksOptions,
  JwksDocument,
  RemoteJwksOptions,
  RemoteJwksResolver,
  RemoteJwksStats,
  ResolvedRemoteKey,
} from './remote-jwks.js';

export { createRemoteJwksResolver, fetchJwksDocument } from './remote-jwks.js';
export type {
  SigningKey,
  StoredToolKey,
  ToolKeySetOptions,
  ToolKeySetSummary,
  ToolKeyState,
  ToolKeyStateChange,
  ToolKeyStore,
  ToolKeySummaryEntry,
} from './tool-key-set.js';
export {
  createMemoryToolKeyStore,
  createToolKeySet,
  DEFAULT_RETIRED_RETENTION_MS,
  ToolKeySet,
} from './tool-key-set.js';
export type { GeneratedToolKey } from './tool-keys.js';
export { generateToolKey } from './tool-keys.js';
