// `pnpm bench` (exposure lines): what an anonymous client can cost the runtime —
// RSS of the runtime process before/after 16 concurrent 64 MB POSTs to /lti/login, and the
// rows left by 2,000 logins from one client with a valid issuer (rate limits and bounded writes).
import { request } from 'node:http';
import { sql } from '@tether/db';
import { createTestDatabase } from '@tether/db/testing';
import { freePort } from '@tether/http/testing';
import { startLmsSim } from '@tether/lms-sim';
import { connectSim, memoryOf, startRuntimeProcess } from './bench-runtime.js';

const MB = 1024 * 1024;

/** One POST streaming `size` bytes of form body; resolves with the status (or the socket error). */
function bigPost(port: number, size: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/lti/login', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': size } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    const chunk = Buffer.alloc(MB, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const t = await createTestDatabase();
const sim = await startLmsSim({});
const port = await freePort();
await connectSim(t.db, sim, port);
const runtime = await startRuntimeProcess(t.url, port);
try {
  const pid = runtime.pid!;
  await fetch(`http://127.0.0.1:${port}/healthz`);
  const before = memoryOf(pid);
  const t0 = performance.now();
  const statuses = await Promise.all(Array.from({ length: 16 }, () => bigPost(port, 64 * MB)));
  const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status);
  const after = memoryOf(pid);
  const tally = (xs: string[]) => {
    const counts = new Map<string, number>();
    for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
    return [...counts].map(([k, v]) => `${k}×${v}`).join(', ');
  };
  console.log(
    `exposure   16 × 64 MB POST /lti/login: RSS ${(before.rssKb / 1024).toFixed(0)} MB → ${(after.rssKb / 1024).toFixed(0)} MB (peak ${(after.peakKb / 1024).toFixed(0)} MB), ` +
      `answers ${tally(statuses)} in ${((performance.now() - t0) / 1000).toFixed(1)} s; /healthz ${health}`,
  );

  const count = async () =>
    (
      await sql<{ states: number; launches: number; events: number }>`
        select (select count(*) from login_states)::int as states, (select count(*) from launches)::int as launches, (select count(*) from launch_events)::int as events`.execute(
        t.db,
      )
    ).rows[0]!;
  const rowsBefore = await count();
  const answers: string[] = [];
  const urls = Array.from({ length: 2000 }, (_, i) => sim.loginInitiation({ custom: { scenario_id: 'bench' }, user: { sub: `flood-${i}` } }).url);
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let url = urls.shift(); url; url = urls.shift()) {
        const r = await fetch(url, { redirect: 'manual' });
        await r.arrayBuffer();
        answers.push(String(r.status));
      }
    }),
  );
  const rowsAfter = await count();
  console.log(
    `exposure   2,000 logins from one client in ${((performance.now() - t1) / 1000).toFixed(1)} s: answers ${tally(answers)}; rows left: ` +
      `login_states +${rowsAfter.states - rowsBefore.states}, launches +${rowsAfter.launches - rowsBefore.launches}, launch_events +${rowsAfter.events - rowsBefore.events}`,
  );
} finally {
  runtime.kill('SIGTERM');
  await new Promise((r) => runtime.once('exit', r));
  await sim.close();
  await t.close();
}
