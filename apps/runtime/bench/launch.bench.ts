// `pnpm bench` (launch part): full launch round trips (login → platform auth → launch →
// landing) driven through lms-sim at concurrency 50, for a returning learner and a first-time
// learner, on the embedded engine and — when DATABASE_URL is set — on that PostgreSQL server
// (in a throwaway database). Per launch it prints the CPU of the runtime process and of the
// database server (from /proc), the statements the runtime ran (the database's transaction
// count: each launch statement is its own transaction), rows written (per table) and WAL
// bytes. Then the grade passback drain and the troubleshooting lookup on 1 M launches.
// The runtime and the database run in their own processes; lms-sim and the load generator in
// this one. Then ltijs (with ltijs-sequelize) on the same PostgreSQL, measured the same way.
// Everything shares this machine: read the figures as ratios within one run.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createKysely, type Database, type Kysely, sql } from '@tether/db';
import { createTestDatabase } from '@tether/db/testing';
import { freePort } from '@tether/http/testing';
import { type LmsSim, parseAutoPostForm, startLmsSim } from '@tether/lms-sim';
import { connectSim, startRuntimeProcess } from './bench-runtime.js';
import { tableWrites, transactions, walBytesSince, walPosition, writesBetween } from './db-stats.js';
import { benchPassback } from './passback.bench.js';
import { cpuMeter, postgresPids } from './proc-stats.js';
import { benchTimelineLookup, type SeededHistory, seedHistory } from './timeline.bench.js';

const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RETURNING_LEARNERS = 500;

interface Sample {
  total: number;
  login: number;
  auth: number;
  launch: number;
  landing: number;
}

async function oneLaunch(sim: LmsSim, sub: string): Promise<Sample> {
  const t0 = performance.now();
  const init = sim.loginInitiation({ custom: { scenario_id: 'bench' }, user: { sub, name: `Learner ${sub}` } });
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
  // Tether answers 303 (See Other), ltijs 302: both send the browser to the landing.
  if (launch.status !== 303 && launch.status !== 302) throw new Error(`launch ${launch.status} ${launch.headers.get('x-tether-error')}`);
  const t3 = performance.now();
  // The landing hop redeems the one-time code (one delete) and renders the page itself.
  const landing = await fetch(new URL(launch.headers.get('location')!, form.action), { redirect: 'manual' });
  await landing.arrayBuffer();
  if (landing.status !== 200) throw new Error(`landing ${landing.status}`);
  const t4 = performance.now();
  return { total: t4 - t0, login: t1 - t0, auth: t2 - t1, launch: t3 - t2, landing: t4 - t3 };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

/** `concurrency` loops launching until the time is up; `subOf(n)` names the n-th launch's learner. */
async function drive(sim: LmsSim, concurrency: number, durationMs: number, subOf: (n: number) => string) {
  const samples: Sample[] = [];
  const errors = new Map<string, number>();
  let n = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          samples.push(await oneLaunch(sim, subOf(n++)));
        } catch (e) {
          const k = (e as Error).message;
          errors.set(k, (errors.get(k) ?? 0) + 1);
        }
      }
    }),
  );
  return { samples, errors, seconds: (performance.now() - started) / 1000 };
}

interface Engine {
  label: string;
  /** The database's URL. */
  url: string;
  /** The database server's processes, to read their CPU. */
  serverPids: () => number[];
  /** The server processes serving the tool's connections only (none for the embedded engine: it is one process). */
  backendPids?: (admin: Kysely<Database>) => Promise<number[]>;
  close(): Promise<void>;
}

/**
 * Full load for a few seconds before measuring: the JIT settles (a cold first run costs the
 * tool ~15 % more CPU per launch), then the row counts of the warm-up are published.
 */
async function steadyState(sim: LmsSim) {
  await drive(sim, CONCURRENCY, 5000, (n) => `returning-${n % RETURNING_LEARNERS}`);
  await new Promise((res) => setTimeout(res, 11_000));
}

async function measuredRun(engine: Engine, admin: Kysely<Database>, sim: LmsSim, runtime: ChildProcess, kind: string, subOf: (n: number) => string) {
  const writesBefore = await tableWrites(admin);
  const wal = await walPosition(admin);
  const tx0 = await transactions(admin);
  const tool = await cpuMeter(() => [runtime.pid!]);
  const server = await cpuMeter(engine.serverPids);
  const backendPids = engine.backendPids;
  const backends = backendPids ? await cpuMeter(() => backendPids(admin)) : null;
  const self = process.cpuUsage();
  const r = await drive(sim, CONCURRENCY, DURATION_MS, subOf);
  const selfUsage = process.cpuUsage(self);
  const selfMs = (selfUsage.user + selfUsage.system) / 1000;
  const toolMs = await tool.elapsedMs();
  const serverMs = await server.elapsedMs();
  const backendMs = backends ? await backends.elapsedMs() : null;
  const walBytes = await walBytesSince(admin, wal);
  // Backends publish their row counts within 10 s of going idle.
  await new Promise((res) => setTimeout(res, 11_000));
  const writes = writesBetween(writesBefore, await tableWrites(admin));
  // Less this script's own readings since tx0 on this database (tx0 itself, the backends'
  // pids twice, the WAL position, the table counts).
  const tx = (await transactions(admin)) - tx0 - (backendPids ? 5 : 3);
  const n = r.samples.length;
  const totals = r.samples.map((s) => s.total).sort((a, b) => a - b);
  // The tool's own share of a round trip: its three hops, without the platform's auth hop.
  const toolHops = r.samples.map((s) => s.login + s.launch + s.landing).sort((a, b) => a - b);
  const per = (x: number) => (x / n).toFixed(2);
  const label = `${engine.label.padEnd(9)} ${kind.padEnd(10)}`;
  console.log(
    `${label} c=${CONCURRENCY} ${(n / r.seconds).toFixed(0).padStart(4)} launches/s  p50 ${pct(totals, 50).toFixed(1)} ms  p95 ${pct(totals, 95).toFixed(1)} ms  p99 ${pct(totals, 99).toFixed(1)} ms  (n=${n}; median hops: login ${median(r.samples.map((s) => s.login)).toFixed(1)}, platform auth ${median(r.samples.map((s) => s.auth)).toFixed(1)}, launch ${median(r.samples.map((s) => s.launch)).toFixed(1)}, landing ${median(r.samples.map((s) => s.landing)).toFixed(1)} ms)` +
      (r.errors.size ? `  errors: ${JSON.stringify(Object.fromEntries(r.errors))}` : ''),
  );
  const rows = writes.reduce((a, w) => a + w.inserted + w.updated + w.deleted, 0);
  console.log(
    `${label} tool hops only (login + launch + landing): p50 ${pct(toolHops, 50).toFixed(1)} ms  p95 ${pct(toolHops, 95).toFixed(1)} ms  p99 ${pct(toolHops, 99).toFixed(1)} ms; ` +
      `load generator + lms-sim (this process): ${per(selfMs)} ms CPU per launch`,
  );
  console.log(
    `${label} per launch: tool CPU ${per(toolMs)} ms, database CPU ${per(serverMs)} ms${engine.label === 'embedded' ? ' (PGlite process)' : ' (all server processes)'}${backendMs === null ? '' : `, ${per(backendMs)} ms in the tool's own backends`}; ` +
      `${per(tx)} statements (transactions, incl. the queue's polling); ${per(rows)} rows written; ${(walBytes / n).toFixed(0)} WAL bytes`,
  );
  console.log(
    `${label} rows per launch by table: ${writes
      .slice(0, 8)
      .map(
        (w) =>
          `${w.table.replace(/^public\./, '')} ${[w.inserted && `+${per(w.inserted)}`, w.updated && `~${per(w.updated)}${w.hot ? ` (${per(w.hot)} HOT)` : ''}`, w.deleted && `-${per(w.deleted)}`].filter(Boolean).join(' ')}`,
      )
      .join(', ')}`,
  );
}

async function benchEngine(engine: Engine) {
  const adminUrl = new URL(engine.url);
  adminUrl.searchParams.set('application_name', 'tether-bench');
  const admin = createKysely(adminUrl.toString(), 4);
  const version = await sql<{ v: string }>`select version() as v`.execute(admin);
  console.log(`${engine.label}: ${version.rows[0]!.v.split(' on ')[0]}`);
  const sim = await startLmsSim({});
  const port = await freePort();
  const ws = await connectSim(admin, sim, port);
  // Flood control off: the load generator is one client by design.
  const runtimeDbUrl = new URL(engine.url);
  if (process.env.BENCH_DB_OPTIONS) runtimeDbUrl.searchParams.set('options', process.env.BENCH_DB_OPTIONS);
  const runtime = await startRuntimeProcess(runtimeDbUrl.toString(), port, { RATE_LIMIT_LOGIN_PER_MIN: '0', RATE_LIMIT_LAUNCH_PER_MIN: '0', RATE_LIMIT_GRADES_PER_MIN: '0' });
  let history: SeededHistory | undefined;
  try {
    // Warm-up (JIT, pools, JWKS cache) that also makes the returning learners known.
    await drive(sim, 10, 2000, (n) => `returning-${n % RETURNING_LEARNERS}`);
    for (let i = 0; i < RETURNING_LEARNERS; i += 25) await Promise.all(Array.from({ length: 25 }, (_, j) => oneLaunch(sim, `returning-${i + j}`)));
    history = await seedHistory(engine.label, admin, ws.id);
    await steadyState(sim);
    await measuredRun(engine, admin, sim, runtime, 'returning', (n) => `returning-${n % RETURNING_LEARNERS}`);
    await measuredRun(engine, admin, sim, runtime, 'first', (n) => `first-${n}`);
    await benchPassback(engine.label, admin, ws.id, `http://127.0.0.1:${port}`, sim);
  } finally {
    runtime.kill('SIGTERM');
    await new Promise((r) => runtime.once('exit', r));
    await sim.close();
  }
  if (history) await benchTimelineLookup(engine.label, admin, history, ws.id);
  await admin.destroy();
}

/**
 * The reference: ltijs 5.9 with ltijs-sequelize on the same PostgreSQL server (its own
 * database, empty — Tether's holds the seeded history), driven by its own lms-sim through the
 * same hops, measured the same way, in the same run.
 */
async function benchLtijs(adminUrl: string) {
  const engine = await postgresEngine(adminUrl, { migrate: false, label: 'ltijs' });
  const adminDbUrl = new URL(engine.url);
  adminDbUrl.searchParams.set('application_name', 'tether-bench');
  const admin = createKysely(adminDbUrl.toString(), 4);
  const sim = await startLmsSim({});
  const port = await freePort();
  const tool = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ltijs-tool.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LTIJS_DATABASE_URL: engine.url,
      LTIJS_PORT: String(port),
      LTIJS_ISSUER: sim.issuer,
      LTIJS_CLIENT_ID: sim.clientId,
      LTIJS_AUTH_URL: sim.endpoints.auth,
      LTIJS_TOKEN_URL: sim.endpoints.token,
      LTIJS_JWKS_URL: sim.endpoints.jwks,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tool.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
      tool.on('exit', (code) => reject(new Error(`ltijs exited with ${code}`)));
    });
    tool.stdout!.resume();
    sim.registerTool({ loginUrl: `http://127.0.0.1:${port}/login`, redirectUris: [`http://127.0.0.1:${port}/`], jwksUrl: `http://127.0.0.1:${port}/keys` });
    await drive(sim, 10, 2000, (n) => `returning-${n % RETURNING_LEARNERS}`);
    for (let i = 0; i < RETURNING_LEARNERS; i += 25) await Promise.all(Array.from({ length: 25 }, (_, j) => oneLaunch(sim, `returning-${i + j}`)));
    await steadyState(sim);
    await measuredRun(engine, admin, sim, tool, 'returning', (n) => `returning-${n % RETURNING_LEARNERS}`);
    await measuredRun(engine, admin, sim, tool, 'first', (n) => `first-${n}`);
  } finally {
    tool.kill('SIGTERM');
    await new Promise((r) => (tool.exitCode === null ? tool.once('exit', r) : r(null)));
    await sim.close();
    await admin.destroy();
    await engine.close();
  }
}

async function embeddedEngine(): Promise<Engine> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'embedded-engine.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /url (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`embedded engine exited with ${code}`)));
  });
  return {
    label: 'embedded',
    url,
    serverPids: () => [child.pid!],
    close: async () => {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function postgresEngine(adminUrl: string, opts: { migrate?: boolean; label?: string } = {}): Promise<Engine> {
  process.env.TETHER_TEST_DATABASE_URL = adminUrl;
  const t = await createTestDatabase({ migrate: opts.migrate ?? true });
  await t.db.destroy();
  delete process.env.TETHER_TEST_DATABASE_URL;
  return {
    label: opts.label ?? 'postgres',
    url: t.url,
    serverPids: postgresPids,
    // Every session on the bench database but this script's own (named `tether-bench`).
    backendPids: async (admin) =>
      (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and application_name <> 'tether-bench'`.execute(admin)).rows.map(
        (r) => r.pid,
      ),
    close: t.close,
  };
}

const cpu = cpus();
console.log(
  `Tether launch benchmark — ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `Full round trip = login → lms-sim auth (RS256 sign) → launch (verify, provision, store) → landing; ${DURATION_MS / 1000} s per run at concurrency ${CONCURRENCY}; ` +
    'the runtime and the database each in their own process (CPU from /proc), lms-sim + load generator in this one.\n',
);

const engines = (process.env.BENCH_ENGINES ?? 'embedded,postgres,ltijs').split(',');
const adminUrl = process.env.DATABASE_URL;
delete process.env.TETHER_TEST_DATABASE_URL;
if (engines.includes('embedded')) {
  const e = await embeddedEngine();
  try {
    await benchEngine(e);
  } finally {
    await e.close();
  }
}
if (adminUrl && engines.includes('postgres')) {
  const e = await postgresEngine(adminUrl);
  try {
    await benchEngine(e);
  } finally {
    await e.close();
  }
} else if (!adminUrl) {
  console.log('\n(set DATABASE_URL to also run against a PostgreSQL server, and ltijs on it for reference)');
}
// The reference tool, same machine, same run.
if (adminUrl && engines.includes('ltijs')) await benchLtijs(adminUrl);
