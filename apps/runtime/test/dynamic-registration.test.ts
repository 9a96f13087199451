// Dynamic registration end to end against lms-sim in each quirk mode, plus every way a
// registration URL or an LMS can fail (docs/lti-requirements.md R56–R62, P29–P31).
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createWorkspace, REGISTRATION_MAX_FAILED_ATTEMPTS, sql } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { type LmsSim, simulateBrowserLaunch, startLmsSim } from '@tether/lms-sim';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type RunningRuntime, startRuntime } from '../src/server.js';

let t: TestDatabase;
let runtime: RunningRuntime;
let workspaceId: string;
const sims: LmsSim[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  // The runtime must know its own public URL (the LMS registers it): take a free port first.
  const probe = await startRuntime(loadConfig({ PORT: '0', HOST: '127.0.0.1', TETHER_SECRET: 'r'.repeat(40), LOG_LEVEL: 'silent' }), {
    db: t.db,
    logger: pino({ level: 'silent' }),
  });
  const port = probe.port;
  await probe.close();
  runtime = await startRuntime(
    loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TETHER_SECRET: 'r'.repeat(40),
      LOG_LEVEL: 'silent',
      TETHER_DEV_INSECURE_HOSTS: '127.0.0.1',
      // This file registers far more often than any LMS would.
      RATE_LIMIT_REGISTER_PER_MIN: '1000',
    }),
    { db: t.db, logger: pino({ level: 'silent' }) },
  );
  workspaceId = (await createWorkspace(t.db, { slug: 'acme', name: 'Acme Training' })).id;
});
afterAll(async () => {
  for (const s of sims) await s.close();
  await runtime?.close();
  await t?.close();
});

async function sim(opts: Parameters<typeof startLmsSim>[0] = {}) {
  const s = await startLmsSim(opts);
  sims.push(s);
  return s;
}

let lastJti = '';

/** What the dashboard's "Generate registration URL" does (the api package mints the same). */
async function mintUrl(opts: { now?: Date } = {}) {
  const { token, jti, expiresAt } = await runtime.deps.tokens.sign({
    purpose: 'dynamic-registration',
    data: { workspace: workspaceId },
    ttlSec: 3600,
    ...(opts.now ? { now: opts.now } : {}),
  });
  await t.db.insertInto('registration_tokens').values({ jti, workspace_id: workspaceId, expires_at: expiresAt }).execute();
  lastJti = jti;
  return `${runtime.url}/lti/register?token=${encodeURIComponent(token)}`;
}

async function register(s: LmsSim, url: string, opts: { doubleEncodeToken?: boolean } = {}) {
  const res = await fetch(s.startRegistration({ toolRegistrationUrl: url, ...opts }), { headers: { 'user-agent': 'Mozilla/5.0 test' } });
  return { res, body: await res.text(), error: res.headers.get('x-tether-error'), cid: res.headers.get('x-correlation-id') };
}

const platformCount = async () => (await t.db.selectFrom('platforms').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

describe('dynamic registration', () => {
  for (const mode of ['generic', 'moodle', 'canvas', 'brightspace'] as const) {
    it(`registers with an LMS in ${mode} mode and closes the dialog`, async () => {
      const s = await sim({ mode });
      const r = await register(s, await mintUrl());
      expect(r.res.status, r.body).toBe(200);
      expect(r.body).toContain('Tether is connected');
      expect(r.body).toContain('org.imsglobal.lti.close');
      expect(r.body).toMatch(/window\.opener/);
      const reg = s.registrations().at(-1)!;
      const p = await t.db.selectFrom('platforms').selectAll().where('client_id', '=', reg.clientId).executeTakeFirstOrThrow();
      expect(p).toMatchObject({
        workspace_id: workspaceId,
        issuer: s.issuer,
        registered_via: 'dynamic',
        deployment_policy: 'learn',
        jwks_url: s.endpoints.jwks,
        token_url: s.endpoints.token,
      });
      if (mode === 'brightspace') expect(p.token_audience).toBe('https://api.brightspace.com/auth/token');
      const deps = await t.db.selectFrom('deployments').select('deployment_id').where('platform_id', '=', p.id).execute();
      expect(deps).toHaveLength(1);
      // The registration token travelled as Bearer on the registration POST (R58).
      const post = s.requestLog().find((l) => l.method === 'POST' && l.path.startsWith('/register'));
      expect(post?.authorization).toMatch(/^Bearer /);
      // The timeline records it under the correlation ID.
      const events = await t.db.selectFrom('launch_events').select(['step', 'outcome']).where('correlation_id', '=', r.cid!).orderBy('id').execute();
      expect(events.map((e) => e.step)).toEqual(['registration_received', 'registration_url', 'platform_configuration', 'registration_request', 'platform_saved']);
      // And a launch works right away through the registration.
      const launch = await simulateBrowserLaunch(s, { clientId: reg.clientId, custom: { scenario_id: 'missing' }, storageTarget: false });
      expect(launch.launch?.headers.get('x-tether-error')).toBe('scenario_not_found');
    });
  }

  it('P30: a registration token URL-encoded twice (Blackboard) still authenticates', async () => {
    const s = await sim({ mode: 'blackboard' });
    const r = await register(s, await mintUrl(), { doubleEncodeToken: true });
    expect(r.res.status, r.body).toBe(200);
  });

  it('a platform answering without a deployment ID: learned from the first launch', async () => {
    const s = await sim({ omitDeploymentId: true });
    const r = await register(s, await mintUrl());
    expect(r.res.status).toBe(200);
    expect(r.body).toMatch(/recorded at the first launch/);
    const reg = s.registrations().at(-1)!;
    const p = await t.db.selectFrom('platforms').selectAll().where('client_id', '=', reg.clientId).executeTakeFirstOrThrow();
    expect(await t.db.selectFrom('deployments').selectAll().where('platform_id', '=', p.id).execute()).toEqual([]);
    const deploymentId = s.addDeployment(reg.clientId, 'dep-from-first-launch');
    await t.db
      .insertInto('scenarios')
      .values({ workspace_id: workspaceId, slug: 'intro', title: 'Intro' })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const launch = await simulateBrowserLaunch(s, { clientId: reg.clientId, deploymentId, custom: { scenario_id: 'intro' } });
    expect(launch.launch?.status).toBe(303);
    const learned = await t.db.selectFrom('deployments').selectAll().where('platform_id', '=', p.id).execute();
    expect(learned.map((d) => [d.deployment_id, d.source])).toEqual([['dep-from-first-launch', 'launch']]);
  });

  it('R60 re-registering the same issuer + client ID updates instead of duplicating', async () => {
    const s = await sim({ registrationClientId: 'fixed-client' });
    expect((await register(s, await mintUrl())).res.status).toBe(200);
    const before = await platformCount();
    expect((await register(s, await mintUrl())).res.status).toBe(200);
    expect(await platformCount()).toBe(before);
  });

  it('refuses an expired, a used and a tampered registration URL, creating nothing', async () => {
    const s = await sim();
    const before = await platformCount();
    const expired = await register(s, await mintUrl({ now: new Date(Date.now() - 2 * 3600_000) }));
    expect(expired.error).toBe('registration_url_expired');
    expect(expired.res.status).toBe(410);

    const url = await mintUrl();
    expect((await register(s, url)).res.status).toBe(200);
    const afterFirst = await platformCount();
    const reused = await register(s, url);
    expect(reused.error).toBe('registration_url_used');
    expect(reused.body).toContain('already used');

    const tampered = new URL(await mintUrl());
    const tok = tampered.searchParams.get('token')!;
    tampered.searchParams.set('token', `${tok.slice(0, -3)}abc`);
    expect((await register(s, tampered.toString())).error).toBe('registration_url_invalid');
    expect(await platformCount()).toBe(afterFirst);
    expect(afterFirst).toBe(before + 1);
  });

  it('R56 refuses a missing openid_configuration and says so', async () => {
    const res = await fetch(await mintUrl());
    expect(res.headers.get('x-tether-error')).toBe('registration_request_invalid');
    expect(res.status).toBe(400);
  });

  it('a failed registration can be retried with the same URL', async () => {
    const s = await sim({ rejectRegistration: { status: 500, body: { error: 'server_error' } } });
    const url = await mintUrl();
    expect((await register(s, url)).error).toBe('registration_rejected');
    s.configure({ rejectRegistration: null });
    expect((await register(s, url)).res.status).toBe(200);
  });

  it('R61 P29: Canvas 422 {errors:[…]} and OIDC 400 refusals show the LMS status and the field or error code, never the body', async () => {
    const canvas = await sim({ mode: 'canvas', rejectRegistration: { status: 422, body: { errors: [{ field: 'redirect_uris', message: 'is not a valid URI' }] } } });
    const r1 = await register(canvas, await mintUrl());
    expect(r1.error).toBe('registration_rejected');
    expect(r1.body).toContain('HTTP 422');
    expect(r1.body).toContain('redirect_uris');
    expect(r1.body).not.toContain('is not a valid URI');
    const moodle = await sim({ mode: 'moodle', rejectRegistration: { status: 400, body: { error: 'invalid_client_metadata', error_description: 'scope not allowed' } } });
    const r2 = await register(moodle, await mintUrl());
    expect(r2.body).toContain('invalid_client_metadata');
    expect(r2.body).not.toContain('scope not allowed');
    const events = await t.db.selectFrom('launch_events').selectAll().where('correlation_id', '=', r2.cid!).execute();
    expect(events.find((e) => e.outcome === 'error')?.details).toMatchObject({ lms_status: 400 });
  });

  it('R57 unreachable and invalid platform configurations name the problem', async () => {
    const unreachable = new URL(await mintUrl());
    unreachable.searchParams.set('openid_configuration', 'http://127.0.0.1:9/.well-known/openid-configuration');
    expect(
      await (async () => {
        const r = await fetch(unreachable);
        return r.headers.get('x-tether-error');
      })(),
    ).toBe('config_unreachable');

    let server: Server | undefined;
    try {
      server = createServer((_req, res) => {
        const base = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: base, authorization_endpoint: `${base}/auth`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks` }));
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      const invalid = new URL(await mintUrl());
      invalid.searchParams.set('openid_configuration', `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/openid-configuration`);
      const res = await fetch(invalid);
      expect(res.headers.get('x-tether-error')).toBe('config_invalid');
      expect(await res.text()).toContain('registration_endpoint');
    } finally {
      server?.close();
    }
  });

  // ---------------------------------------------------------------- SSRF (brief H-C)

  /** A registration started with an openid_configuration of our choosing (no LMS involved). */
  async function registerWith(openidConfiguration: string) {
    const url = new URL(await mintUrl());
    url.searchParams.set('openid_configuration', openidConfiguration);
    const res = await fetch(url);
    return { res, body: await res.text(), error: res.headers.get('x-tether-error') };
  }

  /** A local server standing for an internal service: it must never be asked anything. */
  async function internalService(answer: (res: ServerResponse) => void = (res) => res.end('{"error":"internal-secret-body"}')) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      answer(res);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    const port = (server.address() as { port: number }).port;
    return { port, seen, close: () => new Promise<void>((done) => server.close(() => done())) };
  }

  it('SSRF: an openid_configuration on a private address (cloud metadata, localhost) is refused in words; nothing is fetched or stored', async () => {
    const before = await platformCount();
    const metadata = await registerWith('https://169.254.169.254/latest/meta-data/');
    expect(metadata.error).toBe('config_unreachable');
    expect(metadata.res.status).toBe(502);
    expect(metadata.body).toContain('private or internal network address');

    // localhost is not on this runtime's allow-list (127.0.0.1 is): refused by address, not asked.
    const internal = await internalService();
    try {
      const loopback = await registerWith(`http://localhost:${internal.port}/.well-known/openid-configuration`);
      expect(loopback.error).toBe('insecure_url'); // plain http is refused first
      const tls = await registerWith(`https://localhost:${internal.port}/.well-known/openid-configuration`);
      expect(tls.error).toBe('config_unreachable');
      expect(tls.body).toContain('private or internal network address');
      expect(tls.body).not.toContain(String(internal.port));
      expect(internal.seen).toEqual([]);
    } finally {
      await internal.close();
    }
    expect(await platformCount()).toBe(before);
  });

  it('SSRF: a closed port and a TLS failure read the same on the page — no socket detail', async () => {
    const plain = await internalService();
    try {
      // 127.0.0.1 is allow-listed here, so these reach the socket: the words must not tell them apart.
      const closed = await registerWith('http://127.0.0.1:9/.well-known/openid-configuration');
      const tlsFailure = await registerWith(`https://127.0.0.1:${plain.port}/.well-known/openid-configuration`);
      for (const r of [closed, tlsFailure]) {
        expect(r.error).toBe('config_unreachable');
        expect(r.body).toContain('the LMS configuration URL could not be read');
        // No socket-level detail (the catalogue's own wording may name TLS as one of the causes).
        expect(r.body).not.toMatch(/ECONN|EPROTO|ERR_SSL|UND_ERR|wrong version number|certificate/i);
      }
      const words = (b: string) => b.replace(/tether-[a-z0-9-]+|[0-9a-f]{8}-[0-9a-f-]{27}|nonce="[^"]*"|value="[^"]*"/gi, '');
      expect(words(closed.body)).toBe(words(tlsFailure.body));
    } finally {
      await plain.close();
    }
  });

  it("SSRF: an internal server's answer is never shown, only its status", async () => {
    const internal = await internalService((res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"internal-secret-body","stack":"at /srv/admin"}');
    });
    try {
      const r = await registerWith(`http://127.0.0.1:${internal.port}/.well-known/openid-configuration`);
      expect(r.error).toBe('config_unreachable');
      expect(r.body).toContain('HTTP 500');
      expect(r.body).not.toContain('internal-secret-body');
      expect(r.body).not.toContain('/srv/admin');
    } finally {
      await internal.close();
    }
  });

  it(`SSRF: a registration URL is spent after ${REGISTRATION_MAX_FAILED_ATTEMPTS} failed attempts, not released for ever`, async () => {
    const s = await sim({ rejectRegistration: { status: 500, body: { error: 'server_error' } } });
    const url = await mintUrl();
    const jti = lastJti;
    for (let i = 0; i < REGISTRATION_MAX_FAILED_ATTEMPTS; i++) expect((await register(s, url)).error).toBe('registration_rejected');
    const posts = () => s.requestLog().filter((l) => l.method === 'POST' && l.path.startsWith('/register')).length;
    const sent = posts();
    s.configure({ rejectRegistration: null });
    const spent = await register(s, url);
    expect(spent.error).toBe('registration_url_used');
    expect(posts()).toBe(sent); // the spent URL made Tether fetch nothing more
    const row = await t.db.selectFrom('registration_tokens').select(['failed_attempts', 'used_at', 'platform_id']).where('jti', '=', jti).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ failed_attempts: REGISTRATION_MAX_FAILED_ATTEMPTS, platform_id: null });
    expect(row.used_at).not.toBeNull();
  });
});
