// Nodes starting together on a fresh database all come up: three processes' worth of pg-boss
// start and create the same queues at the same moment, ten times over (two nodes on one fresh
// database crashed with "deadlock detected" inside pgboss.create_queue in 2 of 6 tries).
import { createTestDatabase } from '@tether/db/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROSTER_QUEUE_SETTINGS, ensurePassbackQueue, ensureRosterQueue, startJobQueue } from '../src/index.js';
import { retryConcurrentCreate } from '../src/pg-boss.js';

const SETTINGS = { retryLimit: 2, retryDelaySec: 1, expireInSeconds: 30 };

describe('nodes starting together', () => {
  it('three nodes start on a fresh database at once, ten times: every one comes up, each queue exists once', async () => {
    for (let run = 0; run < 10; run++) {
      const t = await createTestDatabase();
      try {
        const nodes = await Promise.all(
          [0, 1, 2].map(async () => {
            const jobs = await startJobQueue({ db: t.db, supervise: false, schedule: false });
            await ensurePassbackQueue(jobs.boss, SETTINGS, true);
            await ensureRosterQueue(jobs.boss, DEFAULT_ROSTER_QUEUE_SETTINGS, true);
            return jobs;
          }),
        );
        const queues = await sql<{ name: string }>`select name from pgboss.queue order by name`.execute(t.db);
        expect(queues.rows.map((r) => r.name)).toEqual([...new Set(queues.rows.map((r) => r.name))]);
        expect(queues.rows.length).toBeGreaterThanOrEqual(3);
        await Promise.all(nodes.map((n) => n.stop(1_000)));
      } finally {
        await t.close();
      }
    }
  }, 240_000);

  it('a creation that meets another node’s (deadlock, duplicate) is tried again; any other error is not', async () => {
    let calls = 0;
    const deadlockOnce = () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      return Promise.resolve('made');
    };
    await expect(retryConcurrentCreate(async () => deadlockOnce())).resolves.toBe('made');
    expect(calls).toBe(2);

    let other = 0;
    const broken = async () => {
      other++;
      throw Object.assign(new Error('permission denied'), { code: '42501' });
    };
    await expect(retryConcurrentCreate(broken)).rejects.toThrow('permission denied');
    expect(other).toBe(1);
  });
});
