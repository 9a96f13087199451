// Admin sign-in through better-auth on Tether's PostgreSQL (Kysely adapter). The auth models
// are mapped onto the snake_case tables created by @tether/db's migrations.

import { deriveKey } from '@tether/crypto';
import type { Database } from '@tether/db';
import { betterAuth } from 'better-auth';
import type { Kysely } from 'kysely';
import type { TrustedProxies } from './client-address.js';
import { signInGuard } from './sign-in-guard.js';
import type { SignInLimits } from './sign-in-limits.js';

export interface AuthOptions {
  db: Kysely<Database>;
  /** ≥ 32 characters; derive it from TETHER_SECRET so every node agrees. */
  secret: string;
  /** Public origin of the dashboard, e.g. http://localhost:3000 */
  baseURL: string;
  /** Other origins whose requests are the dashboard's own (e.g. its loopback aliases in development). */
  trustedOrigins?: string[];
  /** Sign-in brute-force limits (per account and per client address); defaults: DEFAULT_SIGN_IN_LIMITS. */
  signInLimits?: SignInLimits;
  /** Reverse proxies whose X-Forwarded-For is believed for the client address; default none. */
  trustedProxies?: TrustedProxies;
}

const stamp = { createdAt: 'created_at', updatedAt: 'updated_at' } as const;

export function createAuth(opts: AuthOptions) {
  const guard = signInGuard(opts.db, { limits: opts.signInLimits, trustedProxies: opts.trustedProxies ?? [] });
  return betterAuth({
    database: { db: opts.db, type: 'postgres' },
    secret: opts.secret,
    baseURL: opts.baseURL,
    basePath: '/api/auth',
    ...(opts.trustedOrigins ? { trustedOrigins: opts.trustedOrigins } : {}),
    telemetry: { enabled: false },
    // Admins are created by `tether admin create` or the first-run setup page, never by self sign-up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 10, maxPasswordLength: 256 },
    user: { modelName: 'users', fields: { emailVerified: 'email_verified', ...stamp } },
    session: {
      modelName: 'sessions',
      fields: { userId: 'user_id', expiresAt: 'expires_at', ipAddress: 'ip_address', userAgent: 'user_agent', ...stamp },
      expiresIn: 60 * 60 * 12,
      updateAge: 60 * 60,
    },
    account: {
      modelName: 'accounts',
      fields: {
        userId: 'user_id',
        accountId: 'account_id',
        providerId: 'provider_id',
        accessToken: 'access_token',
        refreshToken: 'refresh_token',
        idToken: 'id_token',
        accessTokenExpiresAt: 'access_token_expires_at',
        refreshTokenExpiresAt: 'refresh_token_expires_at',
        ...stamp,
      },
    },
    verification: { modelName: 'verifications', fields: { expiresAt: 'expires_at', ...stamp } },
    // Sign-in is limited by the one guard below, on every path. better-auth's own limiter is
    // off: it keys on a client-written header (bypassed by rotating it, one shared bucket
    // without it) and sees only HTTP calls, not the form's server-side ones.
    rateLimit: { enabled: false },
    hooks: { before: guard.before, after: guard.after },
    advanced: {
      useSecureCookies: opts.baseURL.startsWith('https://'),
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
    },
  });
}

export type TetherAuth = ReturnType<typeof createAuth>;

/** better-auth's secret, derived from Tether's master secret so the CLI and every dashboard node agree. */
export function deriveAuthSecret(masterSecret: Uint8Array): string {
  return Buffer.from(deriveKey(masterSecret, 'better-auth')).toString('base64url');
}
