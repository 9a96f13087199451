// The one sign-in brute-force limiter. Every sign-in path — the dashboard's form action
// (`auth.api.signInEmail`) and better-auth's own `POST /api/auth/sign-in/email` — runs
// better-auth's hook pipeline, so the limiter sits there (create-auth.ts) and nothing can
// sign in around it. Counters live in PostgreSQL (`sign_in_limits`, created by a migration)
// so every dashboard node shares them.
//
// Two buckets per attempt, both counted BEFORE the password is checked (parallel guesses
// cannot race past the count, and a locked account never learns whether a guess was right):
//   - per account: the normalised email, hashed — counted whether or not the account exists,
//     so a lock says nothing about existence;
//   - per client address (IPv6 by /64): stops one client spraying many accounts.
// A successful sign-in refunds its own point on the address and clears the account's failures.

import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Database } from '@tether/db';
import { CompiledQuery, type Kysely } from 'kysely';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { addressBucket } from './client-address.js';

/** The table the migration `2026-11-29T02-00_sign_in_limits` creates (rate-limiter-flexible's shape). */
const SIGN_IN_LIMITS_TABLE = 'sign_in_limits';

export const signInLimitsSchema = z.object({
  /** Failed attempts on one account (any address) before it is locked. */
  failuresPerAccount: z.number().int().min(1).max(1000),
  /** Attempts from one client address (any account) before it is locked; successes are refunded. */
  failuresPerAddress: z.number().int().min(1).max(10_000),
  /** The counting window and the lock, in minutes. */
  lockMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
});
export type SignInLimits = z.infer<typeof signInLimitsSchema>;

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { failuresPerAccount: 10, failuresPerAddress: 30, lockMinutes: 15 };

/** What a refused sign-in says: the same words as a wrong password, plus the wait. */
export const SIGN_IN_REFUSED = 'That email and password do not match an account.';
export const lockedMessage = (retryAfterSec: number) => {
  const minutes = Math.max(1, Math.ceil(retryAfterSec / 60));
  return `${SIGN_IN_REFUSED} Too many attempts: wait ${minutes} minute${minutes === 1 ? '' : 's'} before trying again.`;
};

type SignInAttempt = { ok: true } | { ok: false; retryAfterSec: number };

export interface SignInLimiter {
  /** Counts one attempt on both buckets; refused while either is locked. */
  attempt(email: string, address: string): Promise<SignInAttempt>;
  /** The attempt signed in: refund the address's point, clear the account's failures. */
  succeeded(email: string, address: string): Promise<void>;
}

/** The normalised email (as better-auth stores it), hashed: no addresses in the limiter table. */
const accountKey = (email: string) => createHash('sha256').update(email.normalize('NFKC').trim().toLowerCase()).digest('base64url');

/**
 * rate-limiter-flexible's Postgres store on Tether's Kysely pool: it only needs
 * `query({ text, values })` answering `{ rows, rowCount }`.
 */
function kyselyStoreClient(db: Kysely<Database>) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const r = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      return { rows: r.rows, rowCount: r.rows.length > 0 ? r.rows.length : Number(r.numAffectedRows ?? 0) };
    },
  };
}

export function createSignInLimiter(db: Kysely<Database>, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS): SignInLimiter {
  const l = signInLimitsSchema.parse(limits);
  const window = l.lockMinutes * 60;
  const store = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({
      storeClient: kyselyStoreClient(db),
      storeType: 'pool',
      tableName: SIGN_IN_LIMITS_TABLE,
      tableCreated: true, // by the migration: no DDL from a request path
      keyPrefix,
      points,
      duration: window,
      blockDuration: window,
    });
  const accounts = store('account', l.failuresPerAccount);
  const addresses = store('address', l.failuresPerAddress);

  return {
    async attempt(email, address) {
      const results = await Promise.allSettled([accounts.consume(accountKey(email)), addresses.consume(addressBucket(address))]);
      let waitMs = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        // A store failure (database down) is not a verdict: let it surface as an error.
        if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
        waitMs = Math.max(waitMs, r.reason.msBeforeNext);
      }
      return waitMs > 0 || results.some((r) => r.status === 'rejected') ? { ok: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) } : { ok: true };
    },
    async succeeded(email, address) {
      await Promise.all([accounts.delete(accountKey(email)), addresses.reward(addressBucket(address), 1)]);
    },
  };
}

// The socket address of the request being served. A better-auth hook only sees the Request
// (no socket), so the dashboard runs every auth call inside `withSocketAddress`; it is kept
// out of headers on purpose — a header is something the client can write.
const socketAddresses = new AsyncLocalStorage<string>();

/** Runs `fn` (an `auth.handler(request)` or `auth.api.*` call) knowing the request's socket address. */
export function withSocketAddress<T>(socketAddress: string, fn: () => Promise<T>): Promise<T> {
  return socketAddresses.run(socketAddress, fn);
}

/** The socket address set by `withSocketAddress`, if any. */
export const currentSocketAddress = (): string | undefined => socketAddresses.getStore();
