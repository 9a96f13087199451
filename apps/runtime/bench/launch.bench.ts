// `pnpm bench`: full launch round trips (login → platform auth → launch → landing) through
// lms-sim, at concurrency 20 and 50 for 10 s each, on the embedded engine and — when
// DATABASE_URL is set — on that PostgreSQL server (in a throwaway database).
// The runtime runs as its own process (as in production); lms-sim and the load generator
// share this process. Everything runs on this one machine: read the figures as ratios.
import { cpus, totalmem } from 'node:os';
import { createApiKey, sql } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { type LmsSim, parseAutoPostForm, startLmsSim } from '@tether/lms-sim';
import { connectSim, freePort, startRuntimeProcess } from './bench-runtime.js';

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '20,50').split(',').map(Number);

interface Sample {
  total: number;
  login: number;
  auth: number;
  launch: number;
  landing: number;
}

async function oneLaunch(sim: LmsSim, n: number): Promise<Sample> {
  const t0 = performance.now();
  const init = sim.loginInitiation({ custom: { scenario_id: 'bench' }, user: { sub: `learner-${n % 2000}`, name: `Learner ${n % 2000}` } });
  const login = await fetch(init.url, { redirect: 'manual' });
  await login.arrayBuffer();
  if (login.status !== 302) throw new Error(`login ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const t1 = performance.now();
  const auth = await sim.fetch(new Request(login.headers.get('location')!));
  const form = parseAutoPostForm(await auth.text());
  const t2 = performance.now();
  const launch = await fetch(form.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form.fields), headers: { cookie } });
  await launch.arrayBuffer();
  if (launch.status !== 303) throw new Error(`launch ${launch.status} ${launch.headers.get('x-tether-error')}`);
  const t3 = performance.now();
  // The landing hop redeems the one-time code (one delete) and renders the page itself.
  const landing = await fetch(new URL(launch.headers.get('location')!, form.action), { redirect: 'manual' });
  await landing.arrayBuffer();
  if (landing.status !== 200) throw new Error(`landing ${landing.status}`);
  const t4 = performance.now();
  return { total: t4 - t0, login: t1 - t0, auth: t2 - t1, launch: t3 - t2, landing: t4 - t3 };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function run(sim: LmsSim, concurrency: number, durationMs: number) {
  const samples: Sample[] = [];
  const errors = new Map<string, number>();
  let n = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          samples.push(await oneLaunch(sim, n++));
        } catch (e) {
          const k = (e as Error).message;
          errors.set(k, (errors.get(k) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const totals = samples.map((s) => s.total).sort((a, b) => a - b);
  return {
    concurrency,
    launches: samples.length,
    perSec: samples.length / elapsed,
    p50: pct(totals, 50),
    p95: pct(totals, 95),
    p99: pct(totals, 99),
    hops: {
      login: median(samples.map((s) => s.login)),
      auth: median(samples.map((s) => s.auth)),
      launch: median(samples.map((s) => s.launch)),
      landing: median(samples.map((s) => s.landing)),
    },
    errors: Object.fromEntries(errors),
  };
}

async function benchEngine(label: string, t: TestDatabase) {
  const sim = await startLmsSim({});
  const port = await freePort();
  const ws = await connectSim(t.db, sim, port);
  // Flood control off: the load generator is one client by design.
  const runtime = await startRuntimeProcess(t.url, port, { RATE_LIMIT_LOGIN_PER_MIN: '0', RATE_LIMIT_LAUNCH_PER_MIN: '0', RATE_LIMIT_GRADES_PER_MIN: '0' });
  try {
    await run(sim, 10, 1500); // warm-up: JIT, pools, JWKS cache
    for (const c of CONCURRENCY) {
      const r = await run(sim, c, DURATION_MS);
      console.log(
        `${label.padEnd(10)} c=${String(c).padEnd(3)} ${r.perSec.toFixed(0).padStart(5)} launches/s  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
          `(n=${r.launches}; median hops: login ${r.hops.login.toFixed(1)}, platform auth ${r.hops.auth.toFixed(1)}, launch ${r.hops.launch.toFixed(1)}, landing ${r.hops.landing.toFixed(1)} ms)` +
          (Object.keys(r.errors).length ? `  errors: ${JSON.stringify(r.errors)}` : ''),
      );
    }
    const events = await t.db
      .selectFrom('launch_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    console.log(`${label.padEnd(10)} rows written: ${events.n} launch events`);
    await benchPassback(label, t, ws.id, `http://127.0.0.1:${port}`, sim);
  } finally {
    runtime.kill('SIGTERM');
    await new Promise((r) => runtime.once('exit', r));
    await sim.close();
  }
}

/**
 * Passback drain: report one graded attempt for each of up to PASSBACK_COUNT distinct
 * learners' launches through the Grades API, then time until the runtime's worker has
 * delivered every score to lms-sim (token requests counted: one per platform + scope set).
 */
async function benchPassback(label: string, t: TestDatabase, workspaceId: string, runtimeUrl: string, sim: LmsSim) {
  const count = Number(process.env.BENCH_PASSBACKS ?? 300);
  const { key } = await createApiKey(t.db, { workspaceId, name: 'bench' });
  const launches = await sql<{ correlation_id: string }>`
    select distinct on (lti_sub) correlation_id from launches where status = 'landed' and workspace_id = ${workspaceId} order by lti_sub, created_at limit ${count}`.execute(t.db);
  const tokensBefore = sim.stats().tokenRequests;
  const started = performance.now();
  const queue = launches.rows.map((l, i) => ({ launch: l.correlation_id, attemptId: `bench-${i}`, scorePercent: 50 + (i % 50) }));
  let posted = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
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
  const deadline = accepted + 120_000;
  let sent = 0;
  while (performance.now() < deadline) {
    const row = await t.db
      .selectFrom('grade_passbacks')
      .select(sql<number>`count(*) filter (where status = 'sent')::int`.as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    sent = row.n;
    if (sent >= posted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const done = performance.now();
  console.log(
    `${label.padEnd(10)} passback: ${posted} grades accepted in ${((accepted - started) / 1000).toFixed(1)} s (${(posted / ((accepted - started) / 1000)).toFixed(0)}/s); ` +
      `${sent} delivered to the LMS in ${((done - started) / 1000).toFixed(1)} s (${(sent / ((done - started) / 1000)).toFixed(0)} scores/s), ${sim.stats().tokenRequests - tokensBefore} token request(s), ${sim.scores().length} scores recorded by lms-sim`,
  );
}

const cpu = cpus();
console.log(`Tether launch benchmark — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(
  `Full round trip = login → lms-sim auth (RS256 sign) → launch (verify, provision, store) → landing; ${DURATION_MS / 1000} s per run; runtime in its own process, sim + load generator in this one.\n`,
);

const engines = (process.env.BENCH_ENGINES ?? 'embedded,postgres').split(',');
delete process.env.TETHER_TEST_DATABASE_URL;
if (engines.includes('embedded')) {
  const embedded = await createTestDatabase();
  try {
    await benchEngine('embedded', embedded);
  } finally {
    await embedded.close();
  }
}
if (process.env.DATABASE_URL && engines.includes('postgres')) {
  process.env.TETHER_TEST_DATABASE_URL = process.env.DATABASE_URL;
  const pg = await createTestDatabase();
  try {
    await benchEngine('postgres', pg);
  } finally {
    await pg.close();
  }
} else {
  console.log('\n(set DATABASE_URL to also run against a PostgreSQL server)');
}
