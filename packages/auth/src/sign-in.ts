// Email + password sign-in for server-side callers (the dashboard's form action): the same
// better-auth endpoint, hooks and limiter as `POST /api/auth/sign-in/email`, with an answer
// the form can show as is.
import { isAPIError } from 'better-auth/api';
import type { TetherAuth } from './create-auth.js';
import { lockedMessage, SIGN_IN_REFUSED, withSocketAddress } from './sign-in-limits.js';

export type SignInResult =
  | { ok: true /** The session cookies to set (a Set-Cookie header value). */; setCookie: string }
  | { ok: false; status: 400 | 429; message: string; retryAfterSec?: number };

const locked = (retryAfterSec: number): SignInResult => ({ ok: false, status: 429, message: lockedMessage(retryAfterSec), retryAfterSec });

export async function signInWithPassword(
  auth: TetherAuth,
  input: { email: string; password: string; headers: Headers /** The request's socket address (not a header). */; socketAddress: string },
): Promise<SignInResult> {
  return withSocketAddress(input.socketAddress, async () => {
    try {
      const res = await auth.api.signInEmail({ body: { email: input.email, password: input.password }, headers: input.headers, asResponse: true });
      if (res.ok) return { ok: true, setCookie: res.headers.get('set-cookie') ?? '' };
      if (res.status === 429) return locked(Number(res.headers.get('retry-after')) || 60);
      return { ok: false, status: 400, message: SIGN_IN_REFUSED };
    } catch (e) {
      if (isAPIError(e) && e.statusCode === 429) return locked(Number(new Headers(e.headers ?? {}).get('retry-after')) || 60);
      throw e;
    }
  });
}
