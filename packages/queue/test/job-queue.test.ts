// The process's one pg-boss and the one worker style, on a real (embedded or server) database.
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgBossPassbackQueue,
  createPgBossRosterQueue,
  createQueueWorker,
  ensurePassbackQueue,
  type JobQueue,
  type PassbackJobData,
  pgBossPassbackQueue,
  startJobQueue,
} from '../src/index.js';
import { PASSBACK_QUEUE_NAME } from '../src/queue-names.js';

let t: TestDatabase;
let jobs: JobQueue;
beforeAll(async () => {
  t = await createTestDatabase();
  jobs = await startJobQueue({ db: t.db, supervise: false, schedule: false });
  await ensurePassbackQueue(jobs.boss, { retryLimit: 2, retryDelaySec: 1, expireInSeconds: 30 }, true);
}, 120_000);
afterAll(async () => {
  await jobs?.stop();
  await t?.close();
});

const jobState = async (id: string) => (await sql<{ state: string }>`select state::text as state from pgboss.job where id = ${id}`.execute(t.db)).rows[0];

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('createQueueWorker', () => {
  it('completes a job whose handler resolves, fails (for a retry) one whose handler throws, and waits for jobs in hand on stop', async () => {
    const queue = pgBossPassbackQueue(jobs.boss);
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const worker = createQueueWorker<PassbackJobData>(jobs.boss, PASSBACK_QUEUE_NAME, { concurrency: 2, pollIntervalSec: 0.5 }, async (job) => {
      seen.push(job.data.passbackId);
      expect(job.retryLimit).toBe(2); // metadata comes with every job
      if (job.data.passbackId === 'boom') throw new Error('boom');
      if (job.data.passbackId === 'slow') await held;
    });
    await worker.start();

    await queue.enqueue('ok', { jobId: '00000000-0000-4000-8000-000000000001' });
    await queue.enqueue('boom', { jobId: '00000000-0000-4000-8000-000000000002' });
    worker.wake();
    await waitFor('the completed job', async () => ((await jobState('00000000-0000-4000-8000-000000000001'))?.state === 'completed' ? true : undefined));
    // Failed, back in the queue for pg-boss's retry with backoff.
    await waitFor('the failed job', async () => ((await jobState('00000000-0000-4000-8000-000000000002'))?.state === 'retry' ? true : undefined));

    await queue.enqueue('slow', { jobId: '00000000-0000-4000-8000-000000000003' });
    worker.wake();
    await waitFor('the slow job to start', async () => (seen.includes('slow') ? true : undefined));
    let stopped = false;
    const stopping = worker.stop(10_000).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false); // still waiting for the job in hand
    release();
    await stopping;
    await waitFor('the slow job to complete', async () => ((await jobState('00000000-0000-4000-8000-000000000003'))?.state === 'completed' ? true : undefined));
  }, 60_000);
});

describe('createQueueWorker batches', () => {
  it('drains many jobs with a few fetches: each handled once, never more than `concurrency` at once, a failure fails only its own job', async () => {
    const queue = pgBossPassbackQueue(jobs.boss);
    const ids = Array.from({ length: 30 }, (_, i) => `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`);
    const handled = new Map<string, number>();
    let inFlight = 0;
    let maxInFlight = 0;
    const worker = createQueueWorker<PassbackJobData>(jobs.boss, PASSBACK_QUEUE_NAME, { concurrency: 4, pollIntervalSec: 0.5 }, async (job) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      handled.set(job.data.passbackId, (handled.get(job.data.passbackId) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (job.data.passbackId === 'batch-7') throw new Error('boom');
    });
    for (const [i, id] of ids.entries()) await queue.enqueue(`batch-${i}`, { jobId: id });
    await worker.start();
    worker.wake();
    // The batch's jobs only: the first test's failed job comes back from its retry into this
    // worker too, and a size check could step over the exact count between two probes.
    const batch = ids.map((_, i) => `batch-${i}`);
    await waitFor('every job handled', async () => (batch.every((b) => handled.has(b)) ? true : undefined));
    await worker.stop(10_000);

    expect(batch.every((b) => handled.get(b) === 1)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const states = await sql<{ id: string; state: string }>`select id, state::text as state from pgboss.job where id = any(${ids}::uuid[])`.execute(t.db);
    const byId = new Map(states.rows.map((r) => [r.id, r.state]));
    expect(byId.get(ids[7]!)).toBe('retry');
    expect(ids.filter((_, i) => i !== 7).every((id) => byId.get(id) === 'completed')).toBe(true);
  }, 60_000);
});

describe('enqueue-only queues', () => {
  it('share one pg-boss per database; closing one leaves the other working', async () => {
    const passbacks = createPgBossPassbackQueue({ db: t.db });
    const rosters = createPgBossRosterQueue({ db: t.db });
    await passbacks.enqueue('p-1', { jobId: '00000000-0000-4000-8000-000000000011' });
    await rosters.enqueue('s-1', { jobId: '00000000-0000-4000-8000-000000000012' });
    await passbacks.close();
    await rosters.enqueue('s-2', { jobId: '00000000-0000-4000-8000-000000000013' });
    await rosters.close();
    expect((await jobState('00000000-0000-4000-8000-000000000011'))?.state).toBe('created');
    expect((await jobState('00000000-0000-4000-8000-000000000013'))?.state).toBe('created');
  }, 60_000);
});
