// RUNTIME_PROCESSES: one node runs several runtime processes on one port (node:cluster), the
// first started alone (it migrates); a stop takes them all down. Refused without PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { freePort } from '@tether/http/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

let t: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), 'tether-processes-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The live runtime processes a process started (from /proc; tsx's esbuild helper is not one). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (ppid === pid && cmdline.includes('main.ts')) out.push(Number(d));
  }
  return out;
}

describe('RUNTIME_PROCESSES', () => {
  it('is refused without DATABASE_URL, with the reason', () => {
    expect(() => loadConfig({ RUNTIME_PROCESSES: '2' })).toThrow(/RUNTIME_PROCESSES.*DATABASE_URL|DATABASE_URL.*RUNTIME_PROCESSES/s);
    expect(loadConfig({ RUNTIME_PROCESSES: '2', DATABASE_URL: 'postgres://x/y' }).RUNTIME_PROCESSES).toBe(2);
  });

  it('runs two processes on one port that both serve, and SIGTERM stops them all', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts')], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: t.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        TETHER_SECRET: 's'.repeat(40),
        TETHER_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        RUNTIME_PROCESSES: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: join(import.meta.dirname, '..'),
    });
    try {
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('listening')) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`runtime exited with ${code}: ${stderr}`)));
      });
      expect(banner).toContain('2 processes');
      const workers = await childrenOf(child.pid!);
      expect(workers).toHaveLength(2);
      for (let i = 0; i < 10; i++) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      // Every worker has exited before the primary did (none left running, none orphaned).
      for (const pid of workers) expect(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'gone')).toBe('gone');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
