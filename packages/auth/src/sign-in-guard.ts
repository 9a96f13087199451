// better-auth hooks that put every email sign-in through the one limiter (sign-in-limits.ts):
// `before` counts the attempt and refuses while locked (the password is not even checked),
// `after` clears the account's failures when the sign-in worked.
import type { Database } from '@tether/db';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import type { Kysely } from 'kysely';
import { clientAddress, type TrustedProxies } from './client-address.js';
import { createSignInLimiter, currentSocketAddress, lockedMessage, type SignInLimits } from './sign-in-limits.js';

const SIGN_IN_PATH = '/sign-in/email';

/** The code a locked sign-in answers with (HTTP 429, `Retry-After` in seconds). */
export const SIGN_IN_LOCKED = 'SIGN_IN_LOCKED';

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

export function signInGuard(db: Kysely<Database>, opts: { limits?: SignInLimits | undefined; trustedProxies: TrustedProxies }) {
  const limiter = createSignInLimiter(db, opts.limits);

  const who = async (ctx: HookContext) => {
    const body = (ctx.body ??
      (await ctx.request
        ?.clone()
        .json()
        .catch(() => null))) as { email?: unknown } | null;
    const email = typeof body?.email === 'string' ? body.email : undefined;
    const headers = ctx.headers ?? ctx.request?.headers;
    const address = clientAddress({ socket: currentSocketAddress(), forwardedFor: headers?.get('x-forwarded-for'), trustedProxies: opts.trustedProxies });
    return { email, address };
  };

  return {
    before: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== SIGN_IN_PATH) return;
      const { email, address } = await who(ctx);
      // No email: better-auth refuses the body itself; there is no account to count against.
      if (email === undefined) return;
      const attempt = await limiter.attempt(email, address);
      if (!attempt.ok) {
        throw new APIError('TOO_MANY_REQUESTS', { message: lockedMessage(attempt.retryAfterSec), code: SIGN_IN_LOCKED }, { 'retry-after': String(attempt.retryAfterSec) });
      }
    }),
    after: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== SIGN_IN_PATH || !ctx.context.newSession) return;
      const { email, address } = await who(ctx);
      if (email !== undefined) await limiter.succeeded(email, address);
    }),
  };
}
