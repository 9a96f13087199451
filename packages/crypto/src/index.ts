export { CRYPTO_ERROR_CODES, CryptoError, isCryptoError, fromJoseError } from './errors.js';
export type { CryptoErrorCode, CryptoErrorDetails } from './errors.js';

export { loadMasterSecret, deriveKey, MIN_SECRET_LENGTH } from './master-secret.js';
export type { LoadMasterSecretOptions, MasterSecret } from './master-secret.js';

export { encryptPrivateJwk, decryptPrivateJwk } from './private-key-encryption.js';

export { generateToolKey } from './tool-keys.js';
export type { GeneratedToolKey } from './tool-keys.js';

export { toPublicJwk } from './public-jwk.js';

export {
  ToolKeySet,
  createToolKeySet,
  createMemoryToolKeyStore,
  DEFAULT_RETIRED_RETENTION_MS,
} from './tool-key-set.js';
export type {
  ToolKeyState,
  StoredToolKey,
  ToolKeyStateChange,
  ToolKeyStore,
  ToolKeySetOptions,
  ToolKeySummaryEntry,
  ToolKeySetSummary,
  SigningKey,
} from './tool-key-set.js';

export { verifyJwt, DEFAULT_CLOCK_TOLERANCE_SEC, MAX_CLOCK_TOLERANCE_SEC, DEFAULT_MAX_AGE_SEC } from './jwt-verify.js';
export type { VerifyJwtOptions, VerifiedJwt, JwtKeyResolver, VerificationKey } from './jwt-verify.js';

export { signJwt } from './jwt-sign.js';
export type { SignJwtOptions } from './jwt-sign.js';

export { createRemoteJwksResolver, fetchJwksDocument } from './remote-jwks.js';
export type {
  FetchJwksOptions,
  RemoteJwksOptions,
  RemoteJwksResolver,
  ResolvedRemoteKey,
  RemoteJwksStats,
  JwksDocument,
} from './remote-jwks.js';

export { createOneTimeTokens } from './one-time-token.js';
export type { OneTimeTokens, OneTimeTokenSignInput, SignedOneTimeToken, VerifiedOneTimeToken } from './one-time-token.js';

// Re-exported so consumers can type keys without importing jose themselves.
export type { JWK, JWTPayload, CryptoKey, KeyObject } from 'jose';
