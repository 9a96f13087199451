import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createContextForUser, fieldErrorsOf } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;

beforeAll(async () => {
  env = await setupEnv({ allowPrivateHosts: ['127.0.0.1', 'lms.example.com'] });
  W = await createTestWorkspace(env, 'acme');
  admin = await callerFor(env, W.adminId);
});
afterAll(async () => env?.close());

const platformCount = async () => Number((await env.db.selectFrom('platforms').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

describe('platforms.createManual', () => {
  it('connects an LMS with its deployments and lists it', async () => {
    const created = await admin.platforms.createManual(validPlatform('one', { deploymentIds: ' d1, d2\nd3  d1 ', tokenAudience: 'https://canvas-one.example.com/token-aud' }));
    expect(created).toMatchObject({
      name: 'Canvas one',
      issuer: 'https://canvas-one.example.com',
      clientId: 'client-one',
      deploymentIds: ['d1', 'd2', 'd3'],
      registeredVia: 'manual',
      deploymentPolicy: 'strict',
      tokenAudience: 'https://canvas-one.example.com/token-aud',
    });
    const listed = (await admin.platforms.list()).find((p) => p.id === created.id);
    expect(listed).toMatchObject({ deploymentIds: ['d1', 'd2', 'd3'], registeredVia: 'manual', lastSuccessfulLaunchAt: null, launchesLast7Days: 0 });
    expect(Date.parse(listed!.connectedAt)).not.toBeNaN();
    const deps = await env.db.selectFrom('deployments').selectAll().where('platform_id', '=', created.id).execute();
    expect(deps.map((d) => d.source)).toEqual(['manual', 'manual', 'manual']);
    const audit = await env.db.selectFrom('audit_log').selectAll().where('action', '=', 'platform.create').where('target_id', '=', created.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ workspace_id: W.id, actor: W.adminId, target_type: 'platform' });
    expect(audit.details).toMatchObject({ issuer: 'https://canvas-one.example.com', clientId: 'client-one' });
  });

  it('accepts deployment IDs as an array and the learn policy', async () => {
    const p = await admin.platforms.createManual(validPlatform('arr', { deploymentIds: ['x', 'y'], deploymentPolicy: 'learn' }));
    expect(p).toMatchObject({ deploymentIds: ['x', 'y'], deploymentPolicy: 'learn' });
  });

  it('validation errors name each field (message and fieldErrors) and write nothing', async () => {
    const before = await platformCount();
    const err = await trpcError(admin.platforms.createManual(validPlatform('bad', { name: '  ', issuer: 'ftp://canvas.example.com', jwksUrl: 'not a url', deploymentIds: ' , ' })));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/^name: /);
    expect(err.message).toContain('issuer: issuer must be an https:// URL');
    expect(err.message).toContain('jwksUrl: ');
    expect(err.message).toContain('deploymentIds: at least one deployment ID is required');
    const fields = fieldErrorsOf(err);
    expect(Object.keys(fields ?? {}).sort()).toEqual(['deploymentIds', 'issuer', 'jwksUrl', 'name']);
    expect(fields?.issuer).toMatch(/https/);
    expect(await platformCount()).toBe(before);
  });

  it('a missing field is named too', async () => {
    const { clientId: _c, ...rest } = validPlatform('missing');
    const err = await trpcError(admin.platforms.createManual(rest as never));
    expect(err.code).toBe('BAD_REQUEST');
    expect(fieldErrorsOf(err)).toHaveProperty('clientId');
  });

  it('a duplicate issuer + client ID ⇒ CONFLICT naming the existing connection', async () => {
    const before = await platformCount();
    const err = await trpcError(admin.platforms.createManual(validPlatform('one', { name: 'Again' })));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('clientId: this issuer and client ID are already connected as "Canvas one"');
    expect(fieldErrorsOf(err)?.clientId).toContain('Canvas one');
    expect(await platformCount()).toBe(before);
  });

  it('the same issuer with another client ID is a separate connection', async () => {
    const p = await admin.platforms.createManual(validPlatform('one', { clientId: 'client-one-b', name: 'Canvas one (second)' }));
    expect(p.issuer).toBe('https://canvas-one.example.com');
  });
});

describe('platforms.update', () => {
  it('updates fields, bumps updated_at (also on a plain re-save) and keeps the policy it was not given', async () => {
    const p = await admin.platforms.createManual(validPlatform('upd', { deploymentPolicy: 'learn' }));
    const row0 = await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    const u1 = await admin.platforms.update({ id: p.id, name: 'Canvas renamed', jwksUrl: 'https://canvas-upd.example.com/new-jwks' });
    expect(u1).toMatchObject({ name: 'Canvas renamed', jwksUrl: 'https://canvas-upd.example.com/new-jwks', deploymentPolicy: 'learn', clientId: 'client-upd' });
    const row1 = await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row1.updated_at.getTime()).toBeGreaterThan(row0.updated_at.getTime());
    expect(row1.created_at).toEqual(row0.created_at);
    // Re-save without changes: the runtime sees a new updated_at and drops its cached keys.
    await admin.platforms.update({ id: p.id });
    const row2 = await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row2.updated_at.getTime()).toBeGreaterThan(row1.updated_at.getTime());
    expect(row2.name).toBe('Canvas renamed');
    const audits = await env.db.selectFrom('audit_log').selectAll().where('action', '=', 'platform.update').where('target_id', '=', p.id).execute();
    expect(audits).toHaveLength(2);
    expect(audits[0]!.details).toMatchObject({ changed: ['name', 'jwksUrl'] });
  });

  it('replaces the deployment list, keeping the source of deployments it keeps', async () => {
    const p = await admin.platforms.createManual(validPlatform('deps', { deploymentIds: 'keep drop' }));
    await env.db.insertInto('deployments').values({ platform_id: p.id, deployment_id: 'learned', source: 'launch' }).execute();
    const u = await admin.platforms.update({ id: p.id, deploymentIds: 'keep learned fresh' });
    expect([...u.deploymentIds].sort()).toEqual(['fresh', 'keep', 'learned']);
    const rows = await env.db.selectFrom('deployments').select(['deployment_id', 'source']).where('platform_id', '=', p.id).orderBy('deployment_id').execute();
    expect(rows).toEqual([
      { deployment_id: 'fresh', source: 'manual' },
      { deployment_id: 'keep', source: 'manual' },
      { deployment_id: 'learned', source: 'launch' },
    ]);
    // Not given ⇒ untouched.
    expect((await admin.platforms.update({ id: p.id, name: 'x' })).deploymentIds.sort()).toEqual(['fresh', 'keep', 'learned']);
  });

  it('clears the token audience with null', async () => {
    const p = await admin.platforms.createManual(validPlatform('aud', { tokenAudience: 'https://canvas-aud.example.com/aud' }));
    expect((await admin.platforms.update({ id: p.id, tokenAudience: null })).tokenAudience).toBeNull();
  });

  it('validation errors name the field; an empty deployment list is refused', async () => {
    const p = (await admin.platforms.list())[0]!;
    const err = await trpcError(admin.platforms.update({ id: p.id, jwksUrl: 'nope', deploymentIds: [] }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(Object.keys(fieldErrorsOf(err) ?? {}).sort()).toEqual(['deploymentIds', 'jwksUrl']);
  });

  it('moving onto another connection’s issuer + client ID ⇒ CONFLICT naming it, nothing changes', async () => {
    const p = await admin.platforms.createManual(validPlatform('mover'));
    const before = await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    const err = await trpcError(admin.platforms.update({ id: p.id, issuer: 'https://canvas-one.example.com', clientId: 'client-one', deploymentIds: 'z' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('"Canvas one"');
    expect(await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow()).toEqual(before);
    expect((await admin.platforms.get({ id: p.id })).deploymentIds).toEqual(['dep-mover-1', 'dep-mover-2']);
  });

  it('an unknown id ⇒ NOT_FOUND', async () => {
    expect((await trpcError(admin.platforms.update({ id: '00000000-0000-4000-8000-000000000000', name: 'x' }))).code).toBe('NOT_FOUND');
  });
});

describe('an issuer + client ID connected in another workspace (no cross-workspace oracle)', () => {
  const UNUSABLE = 'clientId: this LMS registration cannot be used; register a new client ID for Tether in the LMS and connect that';
  let other: Caller;
  beforeAll(async () => {
    const O = await createTestWorkspace(env, 'elsewhere');
    other = await callerFor(env, O.adminId);
    await other.platforms.createManual(validPlatform('taken-a', { name: 'Secret Campus LMS' }));
    await other.platforms.createManual(validPlatform('taken-b', { name: 'Another Secret LMS' }));
  });

  it('connecting it is refused with the neutral message: no workspace, no name, nothing written', async () => {
    const before = await platformCount();
    const err = await trpcError(admin.platforms.createManual(validPlatform('taken-a', { name: 'Mine' })));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(UNUSABLE);
    expect(fieldErrorsOf(err)?.clientId).toBe(UNUSABLE.slice('clientId: '.length));
    expect(JSON.stringify({ message: err.message, fields: fieldErrorsOf(err) })).not.toMatch(/workspace|Secret|elsewhere/i);
    expect(await platformCount()).toBe(before);
  });

  it('the answer is identical whichever registration of whichever other workspace it hits', async () => {
    const a = await trpcError(admin.platforms.createManual(validPlatform('taken-a')));
    const b = await trpcError(admin.platforms.createManual(validPlatform('taken-b')));
    expect({ code: b.code, message: b.message, fields: fieldErrorsOf(b) }).toEqual({ code: a.code, message: a.message, fields: fieldErrorsOf(a) });
  });

  it('moving a connection onto it is refused the same way, and nothing changes', async () => {
    const p = await admin.platforms.createManual(validPlatform('mine-to-move'));
    const before = await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    const err = await trpcError(admin.platforms.update({ id: p.id, issuer: 'https://canvas-taken-a.example.com', clientId: 'client-taken-a' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(UNUSABLE);
    expect(await env.db.selectFrom('platforms').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow()).toEqual(before);
  });

  it('in the same workspace the existing connection is still named (the admin may know it)', async () => {
    const err = await trpcError(other.platforms.createManual(validPlatform('taken-a', { name: 'Again' })));
    expect(err.message).toBe('clientId: this issuer and client ID are already connected as "Secret Campus LMS"');
  });
});

describe('platforms.remove', () => {
  it('removes the connection and its deployments; launches keep their issuer/client ID copies', async () => {
    const p = await admin.platforms.createManual(validPlatform('gone'));
    const launch = await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, issuer: p.issuer, clientId: p.clientId });
    expect(await admin.platforms.remove({ id: p.id })).toEqual({ id: p.id, name: 'Canvas gone' });
    expect(await env.db.selectFrom('platforms').select('id').where('id', '=', p.id).executeTakeFirst()).toBeUndefined();
    expect(await env.db.selectFrom('deployments').select('id').where('platform_id', '=', p.id).execute()).toEqual([]);
    const kept = await env.db.selectFrom('launches').selectAll().where('id', '=', launch.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ issuer: p.issuer, client_id: p.clientId, platform_id: p.id });
    // The launch is still visible, without a platform name.
    const detail = await admin.launches.byCorrelationId({ correlationId: launch.correlation_id });
    expect(detail.launch.platform).toEqual({ id: p.id, name: null });
    expect(detail.launch.issuer).toBe(p.issuer);
    expect(await env.db.selectFrom('audit_log').select('id').where('action', '=', 'platform.remove').where('target_id', '=', p.id).execute()).toHaveLength(1);
    expect((await trpcError(admin.platforms.remove({ id: p.id }))).code).toBe('NOT_FOUND');
  });
});

describe('platforms.list', () => {
  it('shows the last successful launch and the launches of the last 7 days per platform', async () => {
    const p = await admin.platforms.createManual(validPlatform('stats'));
    const q = await admin.platforms.createManual(validPlatform('quiet'));
    const now = Date.now();
    const ago = (h: number) => new Date(now - h * 3_600_000);
    await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, status: 'landed', createdAt: ago(50), completedAt: ago(50) });
    await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, status: 'landed', createdAt: ago(5), completedAt: ago(4.9) });
    await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, status: 'failed', errorCode: 'bad_signature', createdAt: ago(1), completedAt: ago(1) });
    await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, status: 'started', createdAt: ago(0.5) });
    await insertLaunch(env.db, { workspaceId: W.id, platformId: p.id, status: 'landed', createdAt: ago(24 * 8), completedAt: ago(24 * 8) });
    const list = await admin.platforms.list();
    const sp = list.find((x) => x.id === p.id)!;
    expect(sp.launchesLast7Days).toBe(4);
    expect(Date.parse(sp.lastSuccessfulLaunchAt!)).toBe(ago(4.9).getTime());
    const sq = list.find((x) => x.id === q.id)!;
    expect(sq).toMatchObject({ launchesLast7Days: 0, lastSuccessfulLaunchAt: null });
  });

  it('runs a constant number of queries, whatever the number of platforms (no N+1)', async () => {
    let queries = 0;
    const counter: KyselyPlugin = {
      transformQuery: (a) => {
        queries++;
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    const countingDb = env.db.withPlugin(counter);
    const countFor = async (userId: string) => {
      // Context built first (its own queries are not the procedure's), then the DB swapped.
      const caller = createCaller({ ...(await createContextForUser(env.deps, userId)), db: countingDb });
      queries = 0;
      const rows = await caller.platforms.list();
      return { queries, rows: rows.length };
    };
    const many = await countFor(W.adminId);
    expect(many.rows).toBeGreaterThan(5);
    const other = await createTestWorkspace(env, 'solo');
    await (await callerFor(env, other.adminId)).platforms.createManual(validPlatform('solo'));
    const one = await countFor(other.adminId);
    expect(one.rows).toBe(1);
    expect(many.queries).toBe(1);
    expect(one.queries).toBe(many.queries);
  });
});

describe('platforms.get', () => {
  it('returns one connection with its deployments', async () => {
    const p = (await admin.platforms.list())[0]!;
    const { lastSuccessfulLaunchAt: _l, launchesLast7Days: _n, ...view } = p;
    expect(await admin.platforms.get({ id: p.id })).toEqual(view);
  });
});

describe('platforms.testConnection', () => {
  let server: Server;
  let base: string;
  let deadPort: number;
  const seenAgents: string[] = [];

  beforeAll(async () => {
    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    server = createServer((req, res) => {
      seenAgents.push(String(req.headers['user-agent']));
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      switch (req.url) {
        case '/jwks':
          return send(
            200,
            JSON.stringify({
              keys: [
                { ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' },
                { ...jwk, kid: 'k2', alg: 'RS256', use: 'sig' },
              ],
            }),
          );
        case '/invalid-json':
          return send(200, '{"keys": [ oops');
        case '/not-a-keyset':
          return send(200, JSON.stringify({ hello: 'world' }));
        case '/empty':
          return send(200, JSON.stringify({ keys: [] }));
        case '/huge':
          return send(200, JSON.stringify({ keys: [], pad: 'x'.repeat(300 * 1024) }));
        case '/redirect':
          res.writeHead(302, { location: '/jwks' });
          return res.end();
        default:
          return send(500, '{"error":"boom"}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port nobody listens on: bind, note it, close.
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    deadPort = (tmp.address() as AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
  });
  afterAll(async () => new Promise<void>((r) => server.close(() => r())));

  it('a valid keyset: reachable, valid, key count; sends the configured User-Agent', async () => {
    expect(await admin.platforms.testConnection({ jwksUrl: `${base}/jwks` })).toEqual({ reachable: true, validJwks: true, keyCount: 2 });
    expect(seenAgents).toContain('Tether-Test/1.0');
  });

  it('invalid JSON: reachable but not a keyset', async () => {
    const r = await admin.platforms.testConnection({ jwksUrl: `${base}/invalid-json` });
    expect(r).toMatchObject({ reachable: true, validJwks: false, keyCount: 0, error: { code: 'jwks_invalid' } });
  });

  it('JSON without keys, an empty keyset, an oversized body', async () => {
    expect(await admin.platforms.testConnection({ jwksUrl: `${base}/not-a-keyset` })).toMatchObject({ reachable: true, validJwks: false, error: { code: 'jwks_invalid' } });
    expect(await admin.platforms.testConnection({ jwksUrl: `${base}/empty` })).toMatchObject({ reachable: true, validJwks: false, keyCount: 0, error: { code: 'jwks_empty' } });
    expect(await admin.platforms.testConnection({ jwksUrl: `${base}/huge` })).toMatchObject({ reachable: true, validJwks: false, error: { code: 'jwks_too_large' } });
  });

  it('HTTP 500 and a redirect: reachable, not valid, the status is reported', async () => {
    const r = await admin.platforms.testConnection({ jwksUrl: `${base}/fail` });
    expect(r).toMatchObject({ reachable: true, validJwks: false, error: { code: 'jwks_fetch_failed' } });
    expect(r.error!.message).toContain('500');
    expect(await admin.platforms.testConnection({ jwksUrl: `${base}/redirect` })).toMatchObject({ reachable: true, validJwks: false, error: { code: 'jwks_fetch_failed' } });
  });

  it('an unreachable port and a malformed URL are reported, not thrown', async () => {
    expect(await admin.platforms.testConnection({ jwksUrl: `http://127.0.0.1:${deadPort}/jwks` })).toMatchObject({
      reachable: false,
      validJwks: false,
      keyCount: 0,
      error: { code: 'jwks_fetch_failed' },
    });
    for (const jwksUrl of ['not a url', '', 'ftp://example.com/jwks']) {
      expect(await admin.platforms.testConnection({ jwksUrl })).toMatchObject({ reachable: false, validJwks: false, error: { code: 'jwks_fetch_failed' } });
    }
  });

  it('a host that never answers times out (injected fetch)', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const caller = createCaller({ ...(await createContextForUser(env.deps, W.adminId)), fetch: hanging });
    const started = Date.now();
    const r = await caller.platforms.testConnection({ jwksUrl: 'https://lms.example.com/jwks' });
    expect(r).toMatchObject({ reachable: false, validJwks: false, error: { code: 'jwks_timeout' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
  }, 15_000);
});
