export { parseSetCookieHeader } from 'better-auth/cookies';
export { AdminError, type CreatedAdmin, createWorkspaceAdmin } from './admins.js';
export { addressBucket, clientAddress, parseTrustedProxies, type TrustedProxies, trustedProxiesSetting, UNKNOWN_ADDRESS } from './client-address.js';
export { type AuthOptions, createAuth, deriveAuthSecret, type TetherAuth } from './create-auth.js';
export { safeNextPath } from './safe-redirect.js';
export { type SignInResult, signInWithPassword } from './sign-in.js';
export { SIGN_IN_LOCKED } from './sign-in-guard.js';
export { DEFAULT_SIGN_IN_LIMITS, type SignInLimits, signInLimitsSchema, withSocketAddress } from './sign-in-limits.js';
