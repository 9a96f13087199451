// `pnpm bench` (passback part): grades posted through the Grades API and delivered by the
// runtime's worker to lms-sim — end to end, with the token requests the LMS saw.

import { readdirSync, readFileSync } from 'node:fs';
import { createApiKey, type Database, type Kysely, sql } from '@tether/db';
import type { LmsSim } from '@tether/lms-sim';
import { cpuMeter, postgresPids } from './proc-stats.js';

/** The runtime this process started (bench-runtime.ts spawns `src/main.ts` as a child of ours). */
function runtimePids(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('src/main.ts')) pids.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * Passback drain: report one graded attempt for each of up to BENCH_PASSBACKS distinct
 * learners' launches through the Grades API, then time until the runtime's worker has
 * delivered every score to lms-sim (token requests counted: one per platform + scope set).
 */
export async function benchPassback(label: string, db: Kysely<Database>, workspaceId: string, runtimeUrl: string, sim: LmsSim) {
  const count = Number(process.env.BENCH_PASSBACKS ?? 2000);
  const { key } = await createApiKey(db, { workspaceId, name: 'bench' });
  const launches = await sql<{ correlation_id: string }>`
    select distinct on (lti_sub) correlation_id from launches where status = 'landed' and workspace_id = ${workspaceId} order by lti_sub, created_at limit ${count}`.execute(db);
  const tokensBefore = sim.stats().tokenRequests;
  const scoresBefore = sim.scores().length;
  const cpu = { runtime: await cpuMeter(runtimePids), database: await cpuMeter(postgresPids), bench: await cpuMeter(() => [process.pid]) };
  const started = performance.now();
  const queue = launches.rows.map((l, i) => ({ launch: l.correlation_id, attemptId: `bench-${i}`, scorePercent: 50 + (i % 50) }));
  let posted = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const r = await fetch(`${runtimeUrl}/api/v1/grades`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(item),
        });
        await r.arrayBuffer();
        if (r.status === 202 || r.status === 200) posted++;
      }
    }),
  );
  const accepted = performance.now();
  const acceptCpu = { runtime: await cpu.runtime.elapsedMs(), database: await cpu.database.elapsedMs(), bench: await cpu.bench.elapsedMs() };
  const deadline = accepted + 120_000;
  let sent = 0;
  while (performance.now() < deadline) {
    const row = await db
      .selectFrom('grade_passbacks')
      .select(sql<number>`count(*) filter (where status = 'sent')::int`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    sent = row.n;
    if (sent >= posted) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const done = performance.now();
  const drainS = (done - accepted) / 1000;
  console.log(
    `${label.padEnd(9)} passback: ${posted} grades accepted in ${((accepted - started) / 1000).toFixed(1)} s (${(posted / ((accepted - started) / 1000)).toFixed(0)}/s); ` +
      `all ${sent} delivered to the LMS ${drainS.toFixed(1)} s later — drain ${(sent / ((done - started) / 1000)).toFixed(0)} scores/s end to end; ${sim.stats().tokenRequests - tokensBefore} token request(s), ${sim.scores().length - scoresBefore} scores recorded by lms-sim`,
  );
  const per = (ms: number) => (posted ? (ms / posted).toFixed(2) : '-');
  console.log(
    `${label.padEnd(9)} passback: accepting CPU per grade: runtime ${per(acceptCpu.runtime)} ms, database ${per(acceptCpu.database)} ms, bench (client + lms-sim + statement counter) ${per(acceptCpu.bench)} ms`,
  );
}
