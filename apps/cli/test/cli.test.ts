import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let t: TestDatabase;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  dataDir = await mkdtemp(join(tmpdir(), 'tether-cli-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function tether(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts'), ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: t.url, TETHER_DATA_DIR: dataDir, ...env },
      cwd: join(import.meta.dirname, '..'),
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const json = (s: string) => JSON.parse(s);

describe('tether CLI', () => {
  it('migrate, then workspace / admin / scenario / platform happy paths with --json', async () => {
    expect((await tether(['migrate', '--json'])).code).toBe(0);
    const ws = await tether(['workspace', 'create', 'Acme Training', '--json']);
    expect(ws.code).toBe(0);
    expect(json(ws.stdout)).toMatchObject({ slug: 'acme-training', name: 'Acme Training' });

    const admin = await tether(['admin', 'create', '--workspace', 'acme-training', '--email', 'ada@example.com', '--password', 'a long enough password', '--json']);
    expect(admin.code).toBe(0);
    expect(json(admin.stdout)).toMatchObject({ email: 'ada@example.com', role: 'admin', workspace: 'acme-training' });

    const sc = await tether(['scenario', 'add', '--workspace', 'acme-training', '--slug', 'fire-drill', '--title', 'Fire drill', '--json']);
    expect(json(sc.stdout)).toMatchObject({ slug: 'fire-drill', title: 'Fire drill' });
    const list = await tether(['scenario', 'list', '--workspace', 'acme-training', '--json']);
    expect(json(list.stdout).map((s: { slug: string }) => s.slug)).toEqual(['fire-drill']);

    const add = await tether([
      'platform',
      'add',
      '--workspace',
      'acme-training',
      '--name',
      'Canvas',
      '--issuer',
      'https://canvas.instructure.com',
      '--client-id',
      '10000000000001',
      '--deployment',
      '1:abc, 2:def 3:ghi',
      '--auth-url',
      'https://sso.canvaslms.com/api/lti/authorize_redirect',
      '--token-url',
      'https://sso.canvaslms.com/login/oauth2/token',
      '--jwks-url',
      'https://sso.canvaslms.com/api/lti/security/jwks',
      '--json',
    ]);
    expect(add.code).toBe(0);
    const platform = json(add.stdout);
    expect(platform).toMatchObject({ client_id: '10000000000001', deployment_ids: ['1:abc', '2:def', '3:ghi'], registered_via: 'manual', deployment_policy: 'strict' });
    const plist = json((await tether(['platform', 'list', '--json'])).stdout);
    expect(plist).toHaveLength(1);

    const rm = await tether(['platform', 'remove', '--workspace', 'acme-training', '--id', platform.id, '--json']);
    expect(rm.code).toBe(0);
    expect(json((await tether(['platform', 'list', '--json'])).stdout)).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select('action').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['workspace.create', 'admin.create', 'scenario.create', 'platform.create', 'platform.remove']);
  });

  it('registration-url mints a one-time URL for the workspace, valid one hour', async () => {
    const r = await tether(['registration-url', '--workspace', 'acme-training', '--json'], { PUBLIC_URL: 'https://tether.example.com' });
    expect(r.code).toBe(0);
    const out = json(r.stdout);
    expect(out.url).toMatch(/^https:\/\/tether\.example\.com\/lti\/register\?token=/);
    const minutes = (Date.parse(out.expiresAt) - Date.now()) / 60000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);
    const rows = await t.db.selectFrom('registration_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect((await tether(['registration-url', '--workspace', 'nope', '--json'])).code).not.toBe(0);
  });

  it('keys list and keys rotate keep the old key published', async () => {
    const list = json((await tether(['keys', 'list', '--json'])).stdout);
    expect(list.keys.map((k: { state: string }) => k.state).sort()).toEqual(['current', 'next']);
    const rotated = json((await tether(['keys', 'rotate', '--json'])).stdout);
    expect(rotated.current).toBe(list.next);
    const states = Object.fromEntries(rotated.keys.map((k: { kid: string; state: string; published: boolean }) => [k.kid, [k.state, k.published]]));
    expect(states[list.current]).toEqual(['retired', true]);
    const stored = await t.db.selectFrom('tool_keys').select(['private_jwk_encrypted']).execute();
    for (const s of stored) expect(() => JSON.parse(s.private_jwk_encrypted)).toThrow();
  });

  it('bad input exits non-zero, names the field, and writes nothing', async () => {
    const before = await t.db.selectFrom('platforms').select('id').execute();
    const auditBefore = await t.db.selectFrom('audit_log').select('id').execute();
    const cases: [string[], RegExp][] = [
      [['workspace', 'create', '', '--json'], /name/],
      [['workspace', 'create', 'Acme Training', '--json'], /--slug: .*already exists/],
      [['admin', 'create', '--workspace', 'acme-training', '--email', 'not-an-email', '--password', 'a long enough password', '--json'], /--email/],
      [['admin', 'create', '--workspace', 'acme-training', '--email', 'x@example.com', '--password', 'short', '--json'], /--password/],
      [['admin', 'create', '--workspace', 'acme-training', '--email', 'ada@example.com', '--password', 'a long enough password', '--json'], /--email: .*already has an account/],
      [['admin', 'create', '--workspace', 'nope', '--email', 'b@example.com', '--password', 'a long enough password', '--json'], /--workspace: no workspace/],
      [['scenario', 'add', '--workspace', 'acme-training', '--slug', 'Bad Slug!', '--title', 'x', '--json'], /--slug/],
      [['scenario', 'add', '--workspace', 'acme-training', '--slug', 'fire-drill', '--title', 'dup', '--json'], /--slug: .*already exists/],
      [
        [
          'platform',
          'add',
          '--workspace',
          'acme-training',
          '--name',
          'X',
          '--issuer',
          'ftp://x',
          '--client-id',
          'c',
          '--deployment',
          'd',
          '--auth-url',
          'https://a',
          '--token-url',
          'https://t',
          '--jwks-url',
          'https://j',
          '--json',
        ],
        /--issuer/,
      ],
      [
        [
          'platform',
          'add',
          '--workspace',
          'acme-training',
          '--name',
          'X',
          '--issuer',
          'https://x',
          '--client-id',
          'c',
          '--deployment',
          '',
          '--auth-url',
          'https://a',
          '--token-url',
          'https://t',
          '--jwks-url',
          'https://j',
          '--json',
        ],
        /--deployment/,
      ],
      [['platform', 'remove', '--workspace', 'acme-training', '--id', 'not-a-uuid', '--json'], /--id/],
      [['platform', 'add', '--bogus', '--json'], /unknown option --bogus/],
    ];
    for (const [args, re] of cases) {
      const r = await tether(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(json(r.stdout).error.message, args.join(' ')).toMatch(re);
    }
    expect(await t.db.selectFrom('platforms').select('id').execute()).toHaveLength(before.length);
    expect(await t.db.selectFrom('audit_log').select('id').execute()).toHaveLength(auditBefore.length);
  }, 240_000); // a dozen CLI processes one after another: minutes on a loaded 2-core machine

  it('refuses a duplicate issuer + client ID, naming the existing connection', async () => {
    const args = (name: string) => [
      'platform',
      'add',
      '--workspace',
      'acme-training',
      '--name',
      name,
      '--issuer',
      'https://moodle.example.edu',
      '--client-id',
      'abc',
      '--deployment',
      '1',
      '--auth-url',
      'https://moodle.example.edu/auth',
      '--token-url',
      'https://moodle.example.edu/token',
      '--jwks-url',
      'https://moodle.example.edu/jwks',
      '--json',
    ];
    expect((await tether(args('Moodle'))).code).toBe(0);
    const dup = await tether(args('Moodle again'));
    expect(dup.code).toBe(2);
    expect(json(dup.stdout).error).toMatchObject({ code: 'conflict' });
    expect(json(dup.stdout).error.message).toMatch(/already connected as "Moodle"/);
  });

  it('refuses to start in production without TETHER_SECRET', async () => {
    const r = await tether(['keys', 'list', '--json'], { NODE_ENV: 'production' });
    expect(r.code).not.toBe(0);
    expect(json(r.stdout).error.message).toMatch(/TETHER_SECRET must be set/);
  });

  it('works on the embedded database when DATABASE_URL is not set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tether-cli-embedded-'));
    try {
      const r = await tether(['workspace', 'create', 'Embedded Co', '--json'], { DATABASE_URL: '', TETHER_DATA_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/embedded PostgreSQL/);
      const l = await tether(['workspace', 'list', '--json'], { DATABASE_URL: '', TETHER_DATA_DIR: dir });
      expect(json(l.stdout).map((w: { slug: string }) => w.slug)).toEqual(['embedded-co']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
