import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createWorkspace, migrateToLatest, verifyApiKey } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let t: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrateToLatest(t.db);
  await createWorkspace(t.db, { slug: 'acme', name: 'Acme' });
  dataDir = await mkdtemp(join(tmpdir(), 'tether-cli-apikey-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function tether(args: string[]) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: t.url, TETHER_DATA_DIR: dataDir },
      cwd: join(import.meta.dirname, '..'),
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('tether apikey create', () => {
  it('prints the key once, stores only its SHA-256, and the key verifies', async () => {
    const r = await tether(['apikey', 'create', '--workspace', 'acme', '--name', 'LMS bridge', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ workspace: 'acme', name: 'LMS bridge' });
    expect(out.key).toMatch(/^tk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(out.key.startsWith(`tk_${out.prefix}_`)).toBe(true);

    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', out.id).executeTakeFirstOrThrow();
    const secret = out.key.slice(`tk_${out.prefix}_`.length);
    expect(row.key_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.created_by).toBe('cli');

    const verified = await verifyApiKey(t.db, out.key);
    expect(verified?.id).toBe(out.id);
    expect(verified).not.toHaveProperty('key_hash');
    expect((await t.db.selectFrom('api_keys').select('last_used_at').where('id', '=', out.id).executeTakeFirstOrThrow()).last_used_at).not.toBeNull();
    // One character off, or another prefix: refused.
    expect(await verifyApiKey(t.db, `${out.key.slice(0, -1)}${out.key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await verifyApiKey(t.db, out.key.replace(out.prefix, '000000000000'))).toBeNull();

    const audit = await t.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'apikey.create').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain(secret);

    // Revoked keys are refused.
    await t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', out.id).execute();
    expect(await verifyApiKey(t.db, out.key)).toBeNull();
  });

  it('human output shows the key with a copy-it-now warning; default name', async () => {
    const r = await tether(['apikey', 'create', '--workspace', 'acme']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tk_[0-9a-f]{12}_\S{43}/);
    expect(r.stdout).toMatch(/shown only this once/);
    const rows = await t.db.selectFrom('api_keys').select('name').orderBy('created_at').execute();
    expect(rows.at(-1)?.name).toBe('Grades API');
  });

  it('a bad or missing workspace exits 2, names the flag, and creates nothing', async () => {
    const before = (await t.db.selectFrom('api_keys').select('id').execute()).length;
    const bad = await tether(['apikey', 'create', '--workspace', 'nope', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'workspace_not_found', fields: ['workspace'] });
    const missing = await tether(['apikey', 'create', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.message).toMatch(/--workspace: required/);
    const emptyName = await tether(['apikey', 'create', '--workspace', 'acme', '--name', ' ', '--json']);
    expect(emptyName.code).toBe(2);
    expect(JSON.parse(emptyName.stdout).error.message).toMatch(/--name/);
    expect((await t.db.selectFrom('api_keys').select('id').execute()).length).toBe(before);
  });
});
