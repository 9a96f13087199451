/**
 * Score timestamps that strictly increase per (line item, user) within the process.
 *
 * Platforms keep the score with the latest timestamp and refuse (or ignore) one that is not
 * newer, so two posts in the same millisecond must still get distinct, ordered stamps.
 */
export interface ScoreClock {
  /** Next stamp for `key` (ms since the epoch): max(now, last + 1). */
  next(key: string, nowMs: number): number;
  /** Records a caller-chosen stamp so later automatic stamps come after it. */
  observe(key: string, ms: number): void;
}

/** Past this many keys, entries that can no longer matter are dropped. */
const PRUNE_AT = 10_000;

function createScoreClock(): ScoreClock {
  const last = new Map<string, number>();

  function prune(nowMs: number): void {
    if (last.size < PRUNE_AT) return;
    // An entry older than now no longer constrains anything: max(now, last + 1) = now.
    for (const [k, v] of last) if (v < nowMs) last.delete(k);
  }

  return {
    next(key, nowMs) {
      const prev = last.get(key);
      const stamp = prev === undefined ? nowMs : Math.max(nowMs, prev + 1);
      prune(nowMs);
      last.set(key, stamp);
      return stamp;
    },
    observe(key, ms) {
      const prev = last.get(key);
      if (prev === undefined || ms > prev) last.set(key, ms);
    },
  };
}

/** One clock per process: two clients posting for the same user still get ordered stamps. */
export const processScoreClock: ScoreClock = createScoreClock();
