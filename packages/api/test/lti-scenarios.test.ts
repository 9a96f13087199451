import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldErrorsOf, mintRegistrationUrl } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, PUBLIC_URL, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;

beforeAll(async () => {
  env = await setupEnv({ publicUrl: `${PUBLIC_URL}/` });
  W = await createTestWorkspace(env, 'acme');
  admin = await callerFor(env, W.adminId);
});
afterAll(async () => env?.close());

describe('lti.endpoints', () => {
  it('returns the four URLs from PUBLIC_URL (trailing slash tolerated)', async () => {
    expect(await admin.lti.endpoints()).toEqual({
      login: `${PUBLIC_URL}/lti/login`,
      launch: `${PUBLIC_URL}/lti/launch`,
      jwks: `${PUBLIC_URL}/.well-known/jwks.json`,
      openidConfiguration: `${PUBLIC_URL}/.well-known/openid-configuration`,
    });
  });
});

describe('lti.createRegistrationUrl', () => {
  it('mints a one-time URL valid ~1 hour, stores its jti and audits it', async () => {
    const t0 = Date.now();
    const r = await admin.lti.createRegistrationUrl();
    const url = new URL(r.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/lti/register`);
    expect([...url.searchParams.keys()]).toEqual(['token']);
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const verified = await env.tokens.verify(token, { purpose: 'dynamic-registration' });
    expect(verified.data).toEqual({ workspace: W.id });
    const expires = Date.parse(r.expiresAt);
    expect(expires - t0).toBeGreaterThan(3600_000 - 5_000);
    expect(expires - t0).toBeLessThan(3600_000 + 5_000);

    const row = await env.db.selectFrom('registration_tokens').selectAll().where('jti', '=', verified.jti).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ workspace_id: W.id, created_by: W.adminId, used_at: null, platform_id: null });
    expect(row.expires_at.getTime()).toBe(expires);

    const audit = await env.db.selectFrom('audit_log').selectAll().where('action', '=', 'registration_url.create').where('target_id', '=', verified.jti).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ workspace_id: W.id, actor: W.adminId, target_type: 'registration_token' });
  });

  it('each call mints a different token', async () => {
    const [a, b] = [await admin.lti.createRegistrationUrl(), await admin.lti.createRegistrationUrl()];
    expect(a.url).not.toBe(b.url);
  });

  it('mintRegistrationUrl works without a user (CLI)', async () => {
    const r = await mintRegistrationUrl(env.db, env.tokens, { workspaceId: W.id, publicUrl: PUBLIC_URL, createdBy: null, actor: 'cli' });
    const row = await env.db.selectFrom('registration_tokens').selectAll().where('jti', '=', r.jti).executeTakeFirstOrThrow();
    expect(row.created_by).toBeNull();
    expect(r.url.startsWith(`${PUBLIC_URL}/lti/register?token=`)).toBe(true);
    expect((await env.db.selectFrom('audit_log').select('actor').where('target_id', '=', r.jti).executeTakeFirstOrThrow()).actor).toBe('cli');
  });
});

describe('scenarios', () => {
  let firstId: string;

  it('create normalises the slug, returns the custom parameter and audits', async () => {
    const s = await admin.scenarios.create({ slug: '  Fire-Safety ', title: ' Fire safety ', description: 'Evacuate calmly.' });
    firstId = s.id;
    expect(s).toMatchObject({ slug: 'fire-safety', title: 'Fire safety', description: 'Evacuate calmly.', customParameter: 'scenario_id=fire-safety' });
    const audit = await env.db.selectFrom('audit_log').selectAll().where('action', '=', 'scenario.create').where('target_id', '=', s.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ workspace_id: W.id, actor: W.adminId });
  });

  it('description is optional', async () => {
    expect((await admin.scenarios.create({ slug: 'another', title: 'Another one' })).description).toBe('');
  });

  it('a duplicate slug ⇒ CONFLICT naming the scenario that has it', async () => {
    const err = await trpcError(admin.scenarios.create({ slug: 'fire-safety', title: 'Copy' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('slug: The slug "fire-safety" is already used by the scenario "Fire safety".');
    expect(fieldErrorsOf(err)).toEqual({ slug: 'The slug "fire-safety" is already used by the scenario "Fire safety".' });
  });

  it('invalid input names the fields', async () => {
    const err = await trpcError(admin.scenarios.create({ slug: 'no spaces!', title: '' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(Object.keys(fieldErrorsOf(err) ?? {}).sort()).toEqual(['slug', 'title']);
    expect(err.message).toContain('slug: use lowercase letters');
  });

  it('list is sorted by title', async () => {
    expect((await admin.scenarios.list()).map((s) => s.title)).toEqual(['Another one', 'Fire safety']);
  });

  it('get tells whether an LMS is connected yet, and gives the launch URL', async () => {
    const before = await admin.scenarios.get({ id: firstId });
    expect(before).toMatchObject({ slug: 'fire-safety', customParameter: 'scenario_id=fire-safety', lmsConnected: false, launchUrl: `${PUBLIC_URL}/lti/launch` });
    await admin.platforms.createManual(validPlatform('scn'));
    expect((await admin.scenarios.get({ id: firstId })).lmsConnected).toBe(true);
  });

  it('update changes only what is given, bumps updated_at and audits', async () => {
    const before = await admin.scenarios.get({ id: firstId });
    const u = await admin.scenarios.update({ id: firstId, slug: 'Fire-Drill' });
    expect(u).toMatchObject({ slug: 'fire-drill', title: 'Fire safety', description: 'Evacuate calmly.', customParameter: 'scenario_id=fire-drill' });
    expect(Date.parse(u.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    const audit = await env.db.selectFrom('audit_log').selectAll().where('action', '=', 'scenario.update').where('target_id', '=', firstId).executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ changed: ['slug'], slug: 'fire-drill' });
  });

  it('update onto a taken slug ⇒ CONFLICT; unknown id ⇒ NOT_FOUND', async () => {
    const err = await trpcError(admin.scenarios.update({ id: firstId, slug: 'another' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('"Another one"');
    expect((await admin.scenarios.get({ id: firstId })).slug).toBe('fire-drill');
    expect((await trpcError(admin.scenarios.update({ id: '00000000-0000-4000-8000-000000000000', title: 'x' }))).code).toBe('NOT_FOUND');
  });
});
