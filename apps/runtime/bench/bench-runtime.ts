// What every benchmark shares: a free port, the runtime started as its own process (as in
// production), and a workspace connected to an lms-sim platform.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPlatform, createScenario, createWorkspace, type Database, type Kysely } from '@tether/db';
import type { LmsSim } from '@tether/lms-sim';

export async function startRuntimeProcess(databaseUrl: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(import.meta.dirname, '../src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TETHER_SECRET: 'b'.repeat(48),
      LOG_LEVEL: 'info', // the production default: a launch's log line is part of its cost
      DB_POOL_SIZE: '20',
      NODE_ENV: 'production',
      // lms-sim runs on this machine's loopback: the one host the outbound guard may reach.
      TETHER_DEV_INSECURE_HOSTS: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`runtime exited with ${code}`)));
  });
  child.stdout!.resume();
  return child;
}

/** Resident set size of a process now, and its peak so far (kB, from /proc). */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
}

/** A workspace with one scenario (`bench`) and the simulator connected as a manual registration. */
export async function connectSim(db: Kysely<Database>, sim: LmsSim, runtimePort: number) {
  const ws = await createWorkspace(db, { slug: `bench-${Math.random().toString(36).slice(2, 8)}`, name: 'Bench' });
  await createScenario(db, { workspace_id: ws.id, slug: 'bench', title: 'Benchmark scenario' });
  await createPlatform(
    db,
    {
      workspace_id: ws.id,
      name: 'lms-sim',
      issuer: sim.issuer,
      client_id: sim.clientId,
      auth_login_url: sim.endpoints.auth,
      token_url: sim.endpoints.token,
      jwks_url: sim.endpoints.jwks,
      registered_via: 'manual',
      deployment_policy: 'strict',
    },
    [sim.deploymentId],
    'manual',
  );
  sim.registerTool({
    loginUrl: `http://127.0.0.1:${runtimePort}/lti/login`,
    redirectUris: [`http://127.0.0.1:${runtimePort}/lti/launch`],
    jwksUrl: `http://127.0.0.1:${runtimePort}/.well-known/jwks.json`,
  });
  return ws;
}
