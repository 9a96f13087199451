/**
 * Remembers the `jti` of every hand-off token a player accepted, so each token is used once.
 *
 * `claim` must be atomic: it returns true for the first claim of a jti and false for every
 * later one until `expiresAt` (after which the token cannot verify anyway). A player with
 * several processes needs a shared store — e.g. `INSERT … ON CONFLICT DO NOTHING` on a table
 * keyed by jti, or Redis `SET jti 1 NX PXAT <expiresAt>` — true when the row/key was created.
 */
export interface HandoffReplayStore {
  claim(jti: string, expiresAt: Date): boolean | Promise<boolean>;
}

/** How often, at most, a claim also sweeps out every expired entry. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * A replay store in this process's memory: right for a single-process player (and the default
 * of each verifier). Entries leave once expired, so it holds at most the tokens of the last
 * few minutes.
 */
export function createMemoryReplayStore(opts: { now?: () => number } = {}): HandoffReplayStore {
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  let nextSweep = now() + SWEEP_INTERVAL_MS;

  return {
    claim(jti, expiresAt) {
      const expires = expiresAt.getTime();
      // An invalid date would make the entry look expired at once: a replay hole, not a value.
      if (!Number.isFinite(expires)) throw new TypeError('HandoffReplayStore.claim: expiresAt is not a valid date');
      const t = now();
      if (t >= nextSweep) {
        for (const [key, until] of seen) if (until <= t) seen.delete(key);
        nextSweep = t + SWEEP_INTERVAL_MS;
      }
      const until = seen.get(jti);
      if (until !== undefined && until > t) return false;
      seen.set(jti, expires);
      return true;
    },
  };
}
