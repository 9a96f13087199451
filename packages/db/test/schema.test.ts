import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPlatform,
  createScenario,
  createWorkspace,
  findPlatformsByIssuer,
  findScenarioByRef,
  isUniqueViolation,
  listPlatforms,
  migrateToLatest,
  pendingMigrations,
  removePlatform,
  sql,
} from '../src/index.js';
import { migrationProvider } from '../src/migrations/index.js';
import { createTestDatabase, type TestDatabase, testEngine } from '../src/testing.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => t?.close());

const platformInput = (workspace_id: string, issuer = 'https://lms.example.edu', client_id = 'client-1') => ({
  workspace_id,
  name: 'Example LMS',
  issuer,
  client_id,
  auth_login_url: 'https://lms.example.edu/auth',
  token_url: 'https://lms.example.edu/token',
  jwks_url: 'https://lms.example.edu/jwks',
  registered_via: 'manual' as const,
  deployment_policy: 'strict' as const,
});

describe(`schema on ${testEngine()} engine`, () => {
  it('migrates an empty database up to the latest version, once', async () => {
    const all = Object.keys(await migrationProvider.getMigrations()).sort();
    expect(all[0]).toBe('2026-11-23T01-00_initial');
    expect(await pendingMigrations(t.db)).toEqual(all);
    const applied = await migrateToLatest(t.db);
    expect(applied).toEqual(all);
    expect(await pendingMigrations(t.db)).toEqual([]);
    expect(await migrateToLatest(t.db)).toEqual([]);
    const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = 'public'`.execute(t.db);
    const names = tables.rows.map((r) => r.table_name);
    for (const n of [
      'workspaces',
      'users',
      'sessions',
      'accounts',
      'memberships',
      'scenarios',
      'platforms',
      'deployments',
      'registration_tokens',
      'tool_keys',
      'login_states',
      'launches',
      'launch_timeline',
      'launch_events',
      'attempts',
      'grade_passbacks',
      'api_keys',
      'audit_log',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('rejects a duplicate issuer + client_id, even across workspaces', async () => {
    const a = await createWorkspace(t.db, { slug: 'acme', name: 'Acme' });
    const b = await createWorkspace(t.db, { slug: 'globex', name: 'Globex' });
    const p = await createPlatform(t.db, platformInput(a.id), ['dep-1', 'dep-2', 'dep-1'], 'manual');
    expect(p.deployment_ids).toEqual(['dep-1', 'dep-2']);
    const err = await createPlatform(t.db, platformInput(b.id), [], 'manual').catch((e) => e);
    expect(isUniqueViolation(err, 'platforms_issuer_client_id')).toBe(true);
    // Same issuer, another client_id: a second registration (Canvas cloud shares one issuer).
    await createPlatform(t.db, platformInput(b.id, 'https://lms.example.edu', 'client-2'), ['x'], 'manual');
    expect(await findPlatformsByIssuer(t.db, 'https://lms.example.edu')).toHaveLength(2);
    expect(await findPlatformsByIssuer(t.db, 'https://lms.example.edu', 'client-2')).toHaveLength(1);
    expect((await listPlatforms(t.db, a.id)).map((x) => x.client_id)).toEqual(['client-1']);
  });

  it('a failed platform insert leaves no partial rows', async () => {
    const w = await createWorkspace(t.db, { slug: 'initech', name: 'Initech' });
    const before = await t.db.selectFrom('deployments').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    await expect(createPlatform(t.db, platformInput(w.id), ['d'], 'manual')).rejects.toThrow();
    const after = await t.db.selectFrom('deployments').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await listPlatforms(t.db, w.id)).toEqual([]);
  });

  it('keeps scenario slugs unique per workspace, not globally', async () => {
    const a = await createWorkspace(t.db, { slug: 'umbrella', name: 'Umbrella' });
    const b = await createWorkspace(t.db, { slug: 'hooli', name: 'Hooli' });
    const s = await createScenario(t.db, { workspace_id: a.id, slug: 'fire-drill', title: 'Fire drill' });
    await createScenario(t.db, { workspace_id: b.id, slug: 'fire-drill', title: 'Fire drill' });
    const err = await createScenario(t.db, { workspace_id: a.id, slug: 'fire-drill', title: 'Again' }).catch((e) => e);
    expect(isUniqueViolation(err, 'scenarios_workspace_slug')).toBe(true);
    expect((await findScenarioByRef(t.db, a.id, 'fire-drill'))?.id).toBe(s.id);
    expect((await findScenarioByRef(t.db, a.id, s.id))?.slug).toBe('fire-drill');
    expect(await findScenarioByRef(t.db, b.id, s.id)).toBeUndefined();
  });

  it('rejects malformed slugs and out-of-range states at the database too', async () => {
    const w = await createWorkspace(t.db, { slug: 'vandelay', name: 'Vandelay' });
    await expect(createScenario(t.db, { workspace_id: w.id, slug: 'Not A Slug', title: 'x' })).rejects.toThrow();
    await expect(createWorkspace(t.db, { slug: '-bad', name: 'x' })).rejects.toThrow();
    await expect(
      t.db
        .insertInto('tool_keys')
        .values({ kid: 'k', public_jwk: '{}', private_jwk_encrypted: 'x', state: 'bogus' as never, created_at: new Date() })
        .execute(),
    ).rejects.toThrow();
  });

  it('allows one current and one next tool key only', async () => {
    const row = (kid: string, state: 'current' | 'next' | 'retired') => ({ kid, public_jwk: '{}', private_jwk_encrypted: 'x', state, created_at: new Date() });
    await t.db
      .insertInto('tool_keys')
      .values([row('a', 'current'), row('b', 'next'), row('c', 'retired'), row('d', 'retired')])
      .execute();
    await expect(t.db.insertInto('tool_keys').values(row('e', 'current')).execute()).rejects.toThrow();
    await expect(t.db.insertInto('tool_keys').values(row('f', 'next')).execute()).rejects.toThrow();
  });

  it('removing a platform removes its deployments and keeps launches', async () => {
    const w = await createWorkspace(t.db, { slug: 'wayne', name: 'Wayne' });
    const p = await createPlatform(t.db, platformInput(w.id, 'https://wayne.example'), ['d1'], 'manual');
    await t.db
      .insertInto('launches')
      .values({ correlation_id: 'c-1', workspace_id: w.id, platform_id: p.id, issuer: p.issuer, client_id: p.client_id, status: 'landed' })
      .execute();
    expect(await removePlatform(t.db, w.id, p.id)).toBeTruthy();
    expect(await t.db.selectFrom('deployments').selectAll().where('platform_id', '=', p.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('launches').selectAll().where('correlation_id', '=', 'c-1').executeTakeFirst()).toMatchObject({ issuer: 'https://wayne.example' });
  });

  it('has an index for every lookup the design names', async () => {
    const r = await sql<{ indexdef: string }>`select indexdef from pg_indexes where schemaname = 'public'`.execute(t.db);
    const defs = r.rows.map((x) => x.indexdef).join('\n');
    expect(defs).toMatch(/launches.*\(correlation_id\)/);
    // the troubleshooting timeline, by correlation ID (one row per write; the launch_events view unfolds it)
    expect(defs).toMatch(/launch_timeline.*\(correlation_id\)/);
    expect(defs).toMatch(/platforms.*\(issuer, client_id\)/);
    expect(defs).toMatch(/login_states.*\(state\)/);
  });

  it('keeps room on login_states pages, so the two updates of a launch state stay HOT', async () => {
    const r = await sql<{ reloptions: string[] | null }>`select reloptions from pg_class where relname = 'login_states'`.execute(t.db);
    expect(r.rows[0]?.reloptions).toContain('fillfactor=50');
  });
});
