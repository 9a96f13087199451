// How Tether works a queue: one fetch loop per queue and process, taking as many jobs per
// fetch as it has free slots (pg-boss `fetch` with a batch size) and running up to
// `concurrency` handlers at once.
//
// Why not `boss.work()`: a pg-boss worker waits for its polling interval after every fetch,
// even one that found a job, so N workers of batch size 1 deliver at most N jobs per interval
// (5 workers, 1 s: ~5 jobs/s however full the queue is). This loop fetches again as soon as a
// slot is free while the queue has work, and sleeps for the interval only when it found none
// (a `wake()` ends that sleep).
//
// Job semantics are pg-boss's, per job: the handler resolving completes its job, throwing fails
// it (pg-boss retries it with the queue's backoff), a handler running past the job's expiry is
// failed as pg-boss's own workers do. Completions are written together (one statement for the
// jobs that finished meanwhile). A job is fetched only into a free slot, so every job fetched is
// in a handler: on stop, nothing fetched waits unstarted, and a job not finished in time comes
// back once it expires.
import type PgBoss from 'pg-boss';

export interface QueueWorkerOptions {
  /** Jobs handled at once. */
  concurrency: number;
  /** How long to sleep after a fetch that found no job (new jobs of this process call wake()). */
  pollIntervalSec: number;
  /** Most jobs taken in one fetch; default `concurrency`. */
  batchSize?: number;
}

/** A queue's workers in this process. */
export interface QueueWorker {
  start(): Promise<void>;
  /** Fetch now instead of at the next poll (new work from this process). */
  wake(): void;
  /** Fetches nothing new; waits for the jobs in hand up to timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Jobs arriving one by one (a burst of API calls, slots freeing as jobs finish) are gathered
 * this long before a fetch, so one fetch takes several: a few ms of latency on a grade is
 * nothing; a fetch statement per job is a fifth of the database work.
 */
const GATHER_MS = 5;

/**
 * The one way Tether works a queue. The handler resolving completes the job; throwing fails it,
 * and pg-boss retries it with the queue's backoff. A handler may also complete or fail the job
 * itself (a completion after that is a no-op), then it must not throw.
 */
export function createQueueWorker<T extends object>(boss: PgBoss, name: string, opts: QueueWorkerOptions, handle: (job: PgBoss.JobWithMetadata<T>) => Promise<void>): QueueWorker {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const batchMax = Math.max(1, Math.floor(opts.batchSize ?? concurrency));
  const pollMs = Math.max(0, opts.pollIntervalSec * 1000);
  /** Handlers running (each also in `inHand` until it settles, even past its expiry). */
  let busy = 0;
  const inHand = new Set<Promise<void>>();
  const completions = createCompleter(boss, name);
  let running = false;
  let loop: Promise<void> | undefined;
  let woken = false;
  /** Ends the loop's current wait: the one for a free slot, or the one for new jobs. */
  let slotFreed: (() => void) | undefined;
  let workArrived: (() => void) | undefined;

  /** Waits up to ms, or until `end` is called through the setter's handle. */
  const waitUpTo = (ms: number, set: (end: (() => void) | undefined) => void) =>
    new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(timer);
        set(undefined);
        resolve();
      };
      const timer = setTimeout(end, ms);
      set(end);
    });
  const waitForSlot = () => waitUpTo(pollMs, (end) => (slotFreed = end));
  const waitForWork = () => waitUpTo(pollMs, (end) => (workArrived = end));
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const reportError = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message = `${e.message} (Queue: ${name})`;
    // The process's one pg-boss reports errors through its 'error' event (startJobQueue's onError).
    boss.emit('error', e);
  };

  function run(job: PgBoss.JobWithMetadata<T>) {
    busy++;
    let freed = false;
    const freeSlot = () => {
      if (freed) return;
      freed = true;
      busy--;
      slotFreed?.();
    };
    const work = handle(job);
    const expiryMs = Math.max(1, job.expireInSeconds) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((r) => {
      timer = setTimeout(() => r('expired'), expiryMs);
    });
    const settled = Promise.race([work.then(() => 'done' as const), expired])
      .then(
        async (how) => {
          if (how === 'done') return completions.add(job.id);
          // As pg-boss's workers do: past its expiry the job is failed (retried with backoff);
          // the handler is still waited for on stop.
          freeSlot();
          await boss.fail(name, job.id, { message: `handler execution exceeded ${expiryMs}ms` });
        },
        async (err: unknown) => {
          await boss.fail(name, job.id, failureData(err));
        },
      )
      .catch(reportError)
      .finally(() => {
        clearTimeout(timer);
        freeSlot();
      });
    const tracked = Promise.allSettled([settled, work]).then(() => undefined);
    inHand.add(tracked);
    void tracked.finally(() => inHand.delete(tracked));
  }

  async function fetchLoop() {
    while (running) {
      const free = concurrency - busy;
      if (free <= 0) {
        await waitForSlot();
        if (running && busy < concurrency) await sleep(GATHER_MS);
        continue;
      }
      woken = false;
      const asked = Math.min(free, batchMax);
      let jobs: PgBoss.JobWithMetadata<T>[] = [];
      try {
        jobs = await boss.fetch<T>(name, { batchSize: asked, includeMetadata: true });
      } catch (err) {
        reportError(err);
      }
      if (!running) {
        // Stopped while fetching: the jobs are ours (active), so they run and stop() waits.
        for (const job of jobs) run(job);
        break;
      }
      for (const job of jobs) run(job);
      // A full batch: more may be waiting, go on once a slot frees. Otherwise the queue is
      // empty for now: sleep until woken (then gather a moment) or until the next poll.
      if (jobs.length >= asked) continue;
      if (!woken) await waitForWork();
      if (running && woken) await sleep(GATHER_MS);
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      loop = fetchLoop();
    },
    wake() {
      woken = true;
      workArrived?.();
    },
    async stop(timeoutMs = 20_000) {
      running = false;
      slotFreed?.();
      workArrived?.();
      await loop;
      loop = undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inHand]), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      await completions.flush();
    },
  };
}

/** What pg-boss stores as a failed job's output: the error's message (and code). */
function failureData(err: unknown): object {
  if (err instanceof Error) return { message: err.message, ...((err as { code?: unknown }).code !== undefined ? { code: String((err as { code?: unknown }).code) } : {}) };
  return { message: String(err) };
}

/**
 * Completes jobs in groups: the jobs that finished while the previous completion statement
 * ran are completed by the next one. A completion that fails is reported; its jobs come back
 * after their expiry, and a handler must already treat a redelivered finished job as a no-op.
 */
function createCompleter(boss: PgBoss, name: string) {
  let pending: string[] = [];
  let flushing: Promise<void> | undefined;

  const writeAll = async () => {
    // Let the other handlers finishing in this turn join the statement.
    await new Promise<void>((r) => setImmediate(r));
    while (pending.length) {
      const ids = pending;
      pending = [];
      await boss.complete(name, ids).catch((err: unknown) => {
        boss.emit('error', err instanceof Error ? err : new Error(String(err)));
      });
    }
    // Synchronously after the last check: a job added from now on starts a new round.
    flushing = undefined;
  };

  return {
    /** Resolves once the job's completion is written (or failed to be). */
    add(id: string): Promise<void> {
      pending.push(id);
      flushing ??= writeAll();
      return flushing;
    },
    async flush(): Promise<void> {
      await flushing;
    },
  };
}
