import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, ensureEmbeddedServer, migrateToLatest, sql } from '../src/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('embedded PostgreSQL (PGlite over the wire protocol)', () => {
  it('starts once, is reused by a second caller, says the cold start is slow, and persists data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tether-embedded-'));
    dirs.push(dir);
    const lines: string[] = [];
    const first = await createDb({ url: undefined, dataDir: dir, log: (l) => lines.push(l) });
    expect(first.engine).toBe('embedded');
    expect(lines.join('\n')).toMatch(/first start takes a few seconds/);
    await migrateToLatest(first.db);
    await first.db.insertInto('workspaces').values({ slug: 'persisted', name: 'P' }).execute();

    // A second starter in the same data dir must reuse the running server, not open the files again.
    const second = await ensureEmbeddedServer(dir, () => undefined);
    expect(second.owner).toBe(false);
    expect(second.url).toBe(first.url);
    const info = JSON.parse(await readFile(join(dir, 'embedded.json'), 'utf8'));
    expect(info.pid).toBe(process.pid);

    await first.close();
    // After the owner stopped, the lock is gone and a new owner sees the same data.
    const again = await createDb({ url: undefined, dataDir: dir, log: () => undefined });
    const rows = await again.db.selectFrom('workspaces').select('slug').execute();
    expect(rows.map((r) => r.slug)).toEqual(['persisted']);
    const r = await sql<{ v: string }>`select version() as v`.execute(again.db);
    expect(r.rows[0]?.v).toMatch(/PostgreSQL/);
    await again.close();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tether-embedded-'));
    dirs.push(dir);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'embedded.lock'), '999999'); // no such pid
    const s = await ensureEmbeddedServer(dir, () => undefined);
    expect(s.owner).toBe(true);
    await s.stop();
  });
});
