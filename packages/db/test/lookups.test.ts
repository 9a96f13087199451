// Platform, scenario, workspace, user, registration-token and tool-key repositories: dashboard
// queries stay inside their workspace; the runtime's platform lookups do not need one.
import { TetherError } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminExists,
  claimRegistrationToken,
  createPlatform,
  createScenario,
  createToolKeyStore,
  createWorkspace,
  findPlatformAcrossWorkspaces,
  findPlatformsByIssuer,
  findPlatformWithDeployments,
  findScenarioById,
  findScenarioBySlug,
  findUserById,
  findWorkspaceById,
  listPlatformSummaries,
  listPlatforms,
  listUserWorkspaces,
  type PlatformWithDeployments,
  storeRegistrationToken,
  ToolKeyConflictError,
  updatePlatform,
  updateScenario,
  workspaceHasPlatform,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
let wsA: string;
let wsB: string;
let platform: PlatformWithDeployments;

beforeAll(async () => {
  t = await createTestDatabase();
  wsA = (await createWorkspace(t.db, { slug: 'lk-a', name: 'Workspace A' })).id;
  wsB = (await createWorkspace(t.db, { slug: 'lk-b', name: 'Workspace B' })).id;
  platform = await createPlatform(
    t.db,
    {
      workspace_id: wsA,
      name: 'Canvas',
      issuer: 'https://canvas.example',
      client_id: 'c-1',
      auth_login_url: 'https://canvas.example/a',
      token_url: 'https://canvas.example/t',
      jwks_url: 'https://canvas.example/j',
      registered_via: 'manual',
      deployment_policy: 'strict',
    },
    ['d-2', 'd-1', 'd-2'],
    'manual',
  );
});
afterAll(async () => t?.close());

describe('platforms', () => {
  it('the runtime finds a platform by ID or issuer in any workspace', async () => {
    expect(await findPlatformAcrossWorkspaces(t.db, platform.id)).toMatchObject({ id: platform.id, workspace_id: wsA });
    expect((await findPlatformsByIssuer(t.db, 'https://canvas.example')).map((p) => p.id)).toEqual([platform.id]);
    expect(await findPlatformsByIssuer(t.db, 'https://canvas.example', 'other')).toEqual([]);
  });

  it('the dashboard sees its own platforms with their deployments, never another workspace’s', async () => {
    expect(platform.deployment_ids).toEqual(['d-2', 'd-1']);
    expect((await listPlatforms(t.db, wsA)).map((p) => [p.id, [...p.deployment_ids].sort()])).toEqual([[platform.id, ['d-1', 'd-2']]]);
    expect(await findPlatformWithDeployments(t.db, wsB, platform.id)).toBeUndefined();
    expect(await listPlatformSummaries(t.db, wsB)).toEqual([]);
    expect(await listPlatformSummaries(t.db, wsA)).toEqual([expect.objectContaining({ id: platform.id, last_launch_at: null, launches_7d: 0 })]);
    expect(await workspaceHasPlatform(t.db, wsA)).toBe(true);
    expect(await workspaceHasPlatform(t.db, wsB)).toBe(false);
  });

  it('an update replaces the deployments and always bumps updated_at; another workspace cannot update it', async () => {
    expect(await updatePlatform(t.db, wsB, platform.id, { name: 'Stolen' })).toBeUndefined();
    const updated = await updatePlatform(t.db, wsA, platform.id, { name: 'Canvas prod' }, ['d-1', 'd-3']);
    expect(updated).toMatchObject({ name: 'Canvas prod' });
    expect([...updated!.deployment_ids].sort()).toEqual(['d-1', 'd-3']);
    expect(updated!.updated_at.getTime()).toBeGreaterThan(platform.updated_at.getTime());
    const resaved = await updatePlatform(t.db, wsA, platform.id, {});
    expect(resaved!.updated_at.getTime()).toBeGreaterThan(updated!.updated_at.getTime());
  });
});

describe('scenarios', () => {
  it('finds and updates inside one workspace only', async () => {
    const s = await createScenario(t.db, { workspace_id: wsA, slug: 'intro', title: 'Intro' });
    expect(await findScenarioById(t.db, wsA, s.id)).toMatchObject({ slug: 'intro' });
    expect(await findScenarioById(t.db, wsB, s.id)).toBeUndefined();
    expect(await findScenarioBySlug(t.db, wsB, 'intro')).toBeUndefined();
    expect(await updateScenario(t.db, wsB, s.id, { title: 'Nope' })).toBeUndefined();
    expect(await updateScenario(t.db, wsA, s.id, { title: 'Introduction' })).toMatchObject({ id: s.id, title: 'Introduction' });
    expect(await findScenarioBySlug(t.db, wsA, 'intro')).toMatchObject({ title: 'Introduction' });
  });
});

describe('workspaces and users', () => {
  it('lists a user’s workspaces with the role, oldest membership first; knows when a first admin exists', async () => {
    const now = new Date();
    await t.db.insertInto('users').values({ id: 'u-1', name: 'Ada', email: 'ada@example.edu', created_at: now, updated_at: now }).execute();
    await t.db.insertInto('memberships').values({ workspace_id: wsB, user_id: 'u-1', role: 'member', joined_via: 'lti' }).execute();
    expect(await adminExists(t.db)).toBe(false);
    await t.db.insertInto('memberships').values({ workspace_id: wsA, user_id: 'u-1', role: 'admin', joined_via: 'manual' }).execute();
    expect(await adminExists(t.db)).toBe(true);
    expect(await listUserWorkspaces(t.db, 'u-1')).toEqual([
      { id: wsB, slug: 'lk-b', name: 'Workspace B', role: 'member' },
      { id: wsA, slug: 'lk-a', name: 'Workspace A', role: 'admin' },
    ]);
    expect(await listUserWorkspaces(t.db, 'nobody')).toEqual([]);
    expect(await findUserById(t.db, 'u-1')).toEqual({ id: 'u-1', name: 'Ada', email: 'ada@example.edu' });
    expect(await findUserById(t.db, 'nobody')).toBeUndefined();
    expect(await findWorkspaceById(t.db, wsA)).toMatchObject({ slug: 'lk-a' });
  });
});

describe('registration tokens', () => {
  it('stores a minted token with its audit entry; it can be claimed once, in its workspace', async () => {
    await storeRegistrationToken(t.db, { jti: 'jti-1', workspaceId: wsA, createdBy: 'u-1', expiresAt: new Date(Date.now() + 3600_000), actor: 'u-1' });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('target_id', '=', 'jti-1').execute();
    expect(audit).toEqual([expect.objectContaining({ workspace_id: wsA, actor: 'u-1', action: 'registration_url.create', target_type: 'registration_token' })]);
    expect(await claimRegistrationToken(t.db, 'jti-1', wsB)).toEqual({ ok: false, reason: 'wrong_workspace' });
    expect(await claimRegistrationToken(t.db, 'jti-1', wsA)).toEqual({ ok: true });
    expect(await claimRegistrationToken(t.db, 'jti-1', wsA)).toEqual({ ok: false, reason: 'used' });
  });
});

describe('tool keys', () => {
  it('a rotation racing another node fails with ToolKeyConflictError (a TetherError) and applies nothing', async () => {
    const store = createToolKeyStore(t.db);
    const key = (kid: string, state: 'current' | 'next') => ({
      kid,
      publicJwk: { kid },
      privateJwkEncrypted: 'x',
      state,
      createdAt: new Date(),
      activatedAt: null,
      retiredAt: null,
    });
    await store.insert(key('k-1', 'current'));
    const err = await store.applyRotation([{ kid: 'k-1', state: 'retired', expectedState: 'next' }], [key('k-2', 'current')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolKeyConflictError);
    expect(err).toBeInstanceOf(TetherError);
    expect(err).toMatchObject({ code: 'tool_key_conflict', details: { kid: 'k-1' } });
    expect((await store.list()).map((k) => [k.kid, k.state])).toEqual([['k-1', 'current']]);
  });
});
