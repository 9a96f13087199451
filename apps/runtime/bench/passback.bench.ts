// `pnpm bench` (passback part): grades posted through the Grades API and delivered by the
// runtime's worker to lms-sim — end to end, with the token requests the LMS saw.

import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
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

/** Concurrent posting clients (BENCH_PASSBACK_POSTERS). */
const POSTERS = Number(process.env.BENCH_PASSBACK_POSTERS ?? 20);

/**
 * Passback drain: report one graded attempt for each of up to BENCH_PASSBACKS distinct
 * learners' launches through the Grades API, then time until the runtime's worker has
 * delivered every score to lms-sim (token requests counted: one per platform + scope set).
 */
export async function benchPassback(label: string, db: Kysely<Database>, workspaceId: string, runtimeUrl: string, sim: LmsSim) {
  // The embedded engine runs one statement at a time for every connection: a few hundred say enough there.
  const count = Number(process.env.BENCH_PASSBACKS ?? (label === 'embedded' ? 300 : 2000));
  const { key } = await createApiKey(db, { workspaceId, name: 'bench' });
  const launches = await sql<{ correlation_id: string }>`
    select distinct on (lti_sub) correlation_id from launches where status = 'landed' and workspace_id = ${workspaceId} order by lti_sub, created_at limit ${count}`.execute(db);
  const tokensBefore = sim.stats().tokenRequests;
  const scoresBefore = sim.scores().length;
  const cpu = { runtime: await cpuMeter(runtimePids), database: await cpuMeter(postgresPids), bench: await cpuMeter(() => [process.pid]) };
  const started = performance.now();
  const queue = launches.rows.map((l, i) => ({ launch: l.correlation_id, attemptId: `bench-${i}`, scorePercent: 50 + (i % 50) }));
  let posted = 0;
  // One kept-alive connection per poster (node:http: far less client CPU per request than
  // fetch, and this process also plays the LMS — the machine has 2 cores for everything).
  const agent = new http.Agent({ keepAlive: true, maxSockets: POSTERS });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${runtimeUrl}/api/v1/grades`,
        { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const status = await post(JSON.stringify(item));
        if (status === 202 || status === 200) posted++;
      }
    }),
  );
  agent.destroy();
  const accepted = performance.now();
  const acceptCpu = { runtime: await cpu.runtime.elapsedMs(), database: await cpu.database.elapsedMs(), bench: await cpu.bench.elapsedMs() };
  // End to end = until lms-sim has recorded the last score (checked in this process, cheaply).
  const deadline = accepted + 120_000;
  while (sim.scores().length - scoresBefore < posted && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const done = performance.now();
  // ... and the runtime's own record agrees: every accepted grade is `sent`.
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
  const drainS = (done - accepted) / 1000;
  console.log(
    `${label.padEnd(9)} passback: ${posted} grades accepted in ${((accepted - started) / 1000).toFixed(1)} s (${(posted / ((accepted - started) / 1000)).toFixed(0)}/s); ` +
      `all ${sent} delivered to the LMS ${drainS.toFixed(1)} s later — drain ${(sent / ((done - started) / 1000)).toFixed(0)} scores/s end to end; ${sim.stats().tokenRequests - tokensBefore} token request(s), ${sim.scores().length - scoresBefore} scores recorded by lms-sim`,
  );
  const per = (ms: number) => (posted ? (ms / posted).toFixed(2) : '-');
  console.log(
    `${label.padEnd(9)} passback: accepting CPU per grade: runtime ${per(acceptCpu.runtime)} ms, database ${per(acceptCpu.database)} ms, bench (client + lms-sim) ${per(acceptCpu.bench)} ms`,
  );
}
