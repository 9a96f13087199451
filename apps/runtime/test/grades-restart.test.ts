// Durability: a runtime stopped with grades still queued, and one killed (SIGKILL) in the
// middle of posting a score; a new runtime on the same database delivers them, once.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from '@tether/db';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type RunningRuntime, startRuntime } from '../src/server.js';
import { GRADE_TEST_ENV, gradeEvents, landedLaunch, launchRow, lmsScores, newApiKey, passback, postGrade, SCOPE, waitFor, waitForPassback } from './grades-helpers.js';
import { type Harness, startHarness } from './harness.js';

const SECRET = 's'.repeat(40); // the harness's: the new runtimes must decrypt the same tool keys
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

async function startWorkerRuntime(h: Harness, env: Record<string, string> = {}): Promise<RunningRuntime> {
  const rt = await startRuntime(loadConfig({ PORT: '0', HOST: '127.0.0.1', TETHER_SECRET: SECRET, LOG_LEVEL: 'silent', ...GRADE_TEST_ENV, ...env }), {
    db: h.t.db,
    logger: pino({ level: 'silent' }),
  });
  cleanup.push(() => rt.close());
  return rt;
}

describe('a runtime stopped with grades in the queue', () => {
  it('the LMS is down, the runtime stops; a new runtime delivers the grade once the LMS is back', async () => {
    const h = await startHarness({ env: GRADE_TEST_ENV });
    cleanup.push(() => h.close());
    const key = await newApiKey(h);
    const cid = await landedLaunch(h, { user: { sub: 'restart-1' }, resourceLink: { id: 'rl-restart' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;

    h.sim.setDown(true);
    const r = await postGrade(h.runtime.url, key, { launch: cid, attemptId: 'restart-1', scorePercent: 64 });
    expect(r.status).toBe(202);
    await waitFor('a retry while the LMS is down', async () => (await gradeEvents(h, cid)).some((e) => e.step === 'grade_retry'));
    await h.runtime.close();
    expect((await passback(h, r.body.passbackId)).status).toBe('queued');

    h.sim.setDown(false);
    // Same address: the LMS fetches the tool's JWKS from it to check the client assertion.
    await startWorkerRuntime(h, { PORT: String(h.runtime.port), PUBLIC_URL: h.runtime.url });
    const p = await waitForPassback(h, r.body.passbackId, 'sent', 30_000);
    expect(p.lms_status).toBe(200);
    expect(lmsScores(h, lineItem, 'restart-1').map((s) => s.scoreGiven)).toEqual([64]);
  });
});

/** Forwards to lms-sim; while `hold` is on, a score POST reaches the LMS but its answer is never returned. */
async function startHoldingProxy(target: string) {
  let hold = true;
  let heldResolve!: () => void;
  const held = new Promise<void>((r) => (heldResolve = r));
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type', 'accept', 'user-agent']) if (req.headers[h]) headers[h] = String(req.headers[h]);
    const upstream = await fetch(`${target}${req.url}`, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (hold && req.method === 'POST' && req.url?.includes('/scores')) {
      heldResolve();
      return; // the LMS has the score; the tool never hears back
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(upstream.status, out).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    release: () => (hold = false),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function spawnRuntime(databaseUrl: string, env: Record<string, string>): Promise<ChildProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-grade-kill-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', TETHER_SECRET: SECRET, TETHER_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: join(import.meta.dirname, '..'),
  });
  cleanup.push(async () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`runtime exited with ${code}: ${stderr}`)));
  });
  child.stdout!.resume();
  return child;
}

describe('a runtime killed mid-send', () => {
  it('SIGKILL after the LMS stored the score but before the answer: the job expires, a new runtime re-sends the identical score, the LMS keeps one', async () => {
    // The harness runtime takes the API calls but runs no worker: the child process does.
    const h = await startHarness({ env: { ...GRADE_TEST_ENV, GRADE_WORKER: 'off' } });
    cleanup.push(() => h.close());
    const key = await newApiKey(h);
    const proxy = await startHoldingProxy(h.sim.url);
    cleanup.push(() => proxy.close());
    const li = h.sim.createLineItem({ label: 'Kill quiz', scoreMaximum: 10, resourceLinkId: 'rl-kill' });
    const viaProxy = li.id.replace(h.sim.url, proxy.url);
    const cid = await landedLaunch(h, { user: { sub: 'kill-1' }, resourceLink: { id: 'rl-kill' }, ags: { lineitem: viaProxy, scope: [SCOPE.lineItem, SCOPE.score] } });

    const jobEnv = { ...GRADE_TEST_ENV, GRADE_JOB_EXPIRE_SEC: '2', GRADE_MAINTENANCE_INTERVAL_SEC: '1' };
    const child = await spawnRuntime(h.t.url, jobEnv);
    const r = await postGrade(h.runtime.url, key, { launch: cid, attemptId: 'kill-1', scorePercent: 70 });
    expect(r.status).toBe(202);
    await proxy.held;
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    expect(lmsScores(h, li.id, 'kill-1').map((s) => s.scoreGiven)).toEqual([7]);
    expect(await passback(h, r.body.passbackId)).toMatchObject({ status: 'queued', tries: 1, score_given: 7, score_maximum: 10 });

    proxy.release();
    await startWorkerRuntime(h, jobEnv);
    const p = await waitForPassback(h, r.body.passbackId, 'sent', 30_000);
    expect(p).toMatchObject({ lms_status: 200, tries: 2 });
    // The re-sent score was identical (same timestamp): the LMS took it as a retry, not a new score.
    const scores = lmsScores(h, li.id, 'kill-1');
    expect(scores.map((s) => s.scoreGiven)).toEqual([7]);
    expect(p.score_timestamp?.toISOString()).toBe(scores[0]!.timestamp);
    const steps = (await gradeEvents(h, cid)).map((e) => e.step);
    expect(steps).toEqual(['grade_received', 'grade_queued', 'grade_resumed', 'grade_sent']);
  });
});

describe('a key whose send lease is held elsewhere', () => {
  it('the passback waits, moves to a new job, and is sent once the lease is free', async () => {
    const h = await startHarness({ env: { ...GRADE_TEST_ENV, GRADE_WORKER: 'off' } });
    cleanup.push(() => h.close());
    const key = await newApiKey(h);
    const cid = await landedLaunch(h, { user: { sub: 'lease-1' }, resourceLink: { id: 'rl-lease' } });
    const lineItem = (await launchRow(h, cid)).ags_lineitem_url!;
    const r = await postGrade(h.runtime.url, key, { launch: cid, attemptId: 'lease-1', scorePercent: 33 });
    const firstJob = (await passback(h, r.body.passbackId)).job_id;
    // Another node is (supposedly) sending for this learner and line item right now.
    await h.t.db
      .updateTable('grade_best_scores')
      .set({ sending_passback_id: 'c0000000-0000-0000-0000-000000000000', sending_until: sql`now() + interval '1 minute'` })
      .where('lti_sub', '=', 'lease-1')
      .execute();

    await startWorkerRuntime(h, { GRADE_JOB_EXPIRE_SEC: '3' });
    await waitFor('the passback to move to a new job', async () => (await passback(h, r.body.passbackId)).job_id !== firstJob, 10_000);
    expect(await passback(h, r.body.passbackId)).toMatchObject({ status: 'queued', tries: 0 });
    expect(lmsScores(h, lineItem, 'lease-1')).toHaveLength(0);

    await h.t.db.updateTable('grade_best_scores').set({ sending_passback_id: null, sending_until: null }).where('lti_sub', '=', 'lease-1').execute();
    const p = await waitForPassback(h, r.body.passbackId, 'sent', 15_000);
    expect(p.tries).toBe(1);
    expect(lmsScores(h, lineItem, 'lease-1').map((s) => s.scoreGiven)).toEqual([33]);
  });
});
