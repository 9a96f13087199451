// Test databases. With TETHER_TEST_DATABASE_URL (a PostgreSQL server where we may create
// databases) each call creates a throwaway database; otherwise each call gets a fresh
// in-memory PGlite served over the wire protocol, cloned from a migrated snapshot cached on
// disk so only the first test file in a run pays for initdb + migrations.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createKysely } from './create-db.js';
import { migrateToLatest } from './migrate.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export interface TestDatabase {
  db: Kysely<Database>;
  url: string;
  engine: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export const testEngine = (): 'postgres' | 'embedded' => (process.env.TETHER_TEST_DATABASE_URL ? 'postgres' : 'embedded');

export async function createTestDatabase(opts: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  const adminUrl = process.env.TETHER_TEST_DATABASE_URL;
  if (adminUrl) return createServerDatabase(adminUrl, migrate, opts.poolSize);
  return createEmbeddedDatabase(migrate, opts.poolSize);
}

async function createServerDatabase(adminUrl: string, migrate: boolean, poolSize?: number): Promise<TestDatabase> {
  const name = `tether_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createKysely(url.toString(), poolSize, { preparedStatements: true });
  if (migrate) await migrateToLatest(db);
  return {
    db,
    url: url.toString(),
    engine: 'postgres',
    close: async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function snapshotFile(): Promise<string> {
  const names = Object.keys(await migrationProvider.getMigrations()).join(',');
  const hash = createHash('sha256').update(names).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'tether-test-snapshots');
  await mkdir(dir, { recursive: true });
  return join(dir, `pglite-${hash}.tar.gz`);
}

async function createEmbeddedDatabase(migrate: boolean, poolSize?: number): Promise<TestDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PgliteWireServer } = await import('./pglite-server.js');
  let pglite: InstanceType<typeof PGlite>;
  let fresh = true;
  if (migrate) {
    const file = await snapshotFile();
    const snapshot = await readFile(file).catch(() => null);
    if (snapshot) {
      pglite = await PGlite.create({ loadDataDir: new Blob([snapshot]) });
      fresh = false;
    } else {
      pglite = await PGlite.create();
    }
  } else {
    pglite = await PGlite.create();
  }
  const server = new PgliteWireServer(pglite);
  const url = `postgres://postgres@127.0.0.1:${await server.listen()}/postgres`;
  const db = createKysely(url, poolSize);
  if (migrate && fresh) {
    await migrateToLatest(db);
    const file = await snapshotFile();
    const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
    // Write then rename so a parallel worker never reads a half-written snapshot.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, dump);
    await rename(tmp, file);
  }
  return {
    db,
    url,
    engine: 'embedded',
    close: async () => {
      await db.destroy();
      await server.close();
      await pglite.close();
    },
  };
}
