// Embedded PostgreSQL: PGlite served over the Postgres wire protocol, so every process talks
// `pg` exactly as to a real server. One process owns the data directory (a lock file with
// its pid); any other process finds the owner's port in embedded.json and connects to it.
import { rmSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TetherError } from '@tether/errors';
import pg from 'pg';

export interface EmbeddedServer {
  url: string;
  /** true when this process started the server (and must stop it). */
  owner: boolean;
  stop(): Promise<void>;
}

interface EmbeddedInfo {
  pid: number;
  port: number;
  startedAt: string;
}

/** The embedded database cannot be started or reached (its data directory is held by a stuck process). */
export class EmbeddedDbError extends TetherError<'embedded_db_unavailable'> {
  override readonly name = 'EmbeddedDbError';
}

const urlFor = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readInfo(file: string): Promise<EmbeddedInfo | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as EmbeddedInfo;
  } catch {
    return null;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function tryLock(lockFile: string): Promise<boolean> {
  try {
    const fh = await open(lockFile, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Start the embedded server for `dataDir`, or reuse the one another process already runs.
 * `log` receives human-readable progress (the cold start takes a few seconds).
 */
export async function ensureEmbeddedServer(
  dataDir: string,
  log: (line: string) => void = (l) => console.log(l),
  opts: { port?: number; waitMs?: number } = {},
): Promise<EmbeddedServer> {
  await mkdir(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'embedded.lock');
  const infoFile = join(dataDir, 'embedded.json');
  const deadline = Date.now() + (opts.waitMs ?? 60_000);

  for (;;) {
    const info = await readInfo(infoFile);
    if (info && isAlive(info.pid) && (await answers(urlFor(info.port)))) {
      return { url: urlFor(info.port), owner: false, stop: async () => undefined };
    }
    if (await tryLock(lockFile)) break;
    // Someone holds the lock: either starting up (wait) or dead (stale lock: take it over).
    const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (!Number.isFinite(holder) || !isAlive(holder)) {
      await rm(lockFile, { force: true });
      await rm(infoFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmbeddedDbError(
        'embedded_db_unavailable',
        `The embedded database in ${dataDir} is locked by process ${holder}, which is not answering. Stop that process, or set DATABASE_URL to use a PostgreSQL server.`,
      );
    }
    await sleep(200);
  }

  try {
    return await startOwned(dataDir, infoFile, lockFile, log, opts.port ?? 0);
  } catch (e) {
    await rm(lockFile, { force: true });
    throw e;
  }
}

async function startOwned(dataDir: string, infoFile: string, lockFile: string, log: (line: string) => void, port: number): Promise<EmbeddedServer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PgliteWireServer } = await import('./pglite-server.js');
  const pgDir = join(dataDir, 'pg');
  const { existsSync } = await import('node:fs');
  log(
    existsSync(join(pgDir, 'PG_VERSION'))
      ? `Opening the embedded PostgreSQL (PGlite) in ${pgDir}…`
      : `Creating the embedded PostgreSQL (PGlite) in ${pgDir} — the first start takes a few seconds…`,
  );
  const started = Date.now();
  const db = await PGlite.create(pgDir);
  const server = new PgliteWireServer(db);
  const actualPort = await server.listen(port);
  const info: EmbeddedInfo = { pid: process.pid, port: actualPort, startedAt: new Date().toISOString() };
  await writeFile(infoFile, JSON.stringify(info));
  log(`Embedded PostgreSQL ready on 127.0.0.1:${actualPort} (${Date.now() - started} ms).`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    await server.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    await rm(infoFile, { force: true });
    await rm(lockFile, { force: true });
  };
  // Last-resort cleanup so a crashed owner does not leave a lock that looks alive.
  const onExit = () => {
    try {
      // Synchronous removal only: the event loop is gone at 'exit'.
      rmSync(infoFile, { force: true });
      rmSync(lockFile, { force: true });
    } catch {
      /* nothing left to do */
    }
  };
  process.on('exit', onExit);
  return { url: urlFor(actualPort), owner: true, stop };
}
