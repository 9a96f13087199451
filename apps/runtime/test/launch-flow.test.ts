// The happy paths through real HTTP against lms-sim: cookie and cookie-less state binding,
// provisioning, routing, landing, and the LMS quirks a launch must survive.
import { sql } from '@tether/db';
import { parseAutoPostForm, simulateBrowserLaunch } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { cookielessLaunch, counts, launch, postContinuation, replayLaunch, timeline } from './launch-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function follow(location: string) {
  return fetch(new URL(location, h.runtime.url), { redirect: 'manual' });
}

describe('a resource link launch', () => {
  it('lands the learner on the scenario page, provisions a Member and stores the launch', async () => {
    const before = await counts(h);
    const r = await launch(h, { user: { sub: 'learner-1', name: 'Grace Hopper', email: 'grace@example.edu' }, roles: ['Learner'] });
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/learn\?code=/);
    const landing = await follow(r.location!);
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain('Fire drill');
    expect(html).toContain('Evacuate the building safely.');
    expect(html).toContain('Grace Hopper');
    expect(landing.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);

    expect(await counts(h)).toEqual({ users: before.users + 1, memberships: before.memberships + 1, identities: before.identities + 1 });
    const identity = await h.t.db.selectFrom('lti_identities').selectAll().where('sub', '=', 'learner-1').executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ issuer: h.sim.issuer, email: 'grace@example.edu', name: 'Grace Hopper', workspace_id: h.workspaceId });
    const member = await h.t.db.selectFrom('memberships').selectAll().where('user_id', '=', identity.user_id).executeTakeFirstOrThrow();
    expect(member).toMatchObject({ role: 'member', joined_via: 'lti' });

    const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'landed',
      user_id: identity.user_id,
      lti_sub: 'learner-1',
      deployment_id: h.sim.deploymentId,
      message_type: 'LtiResourceLinkRequest',
      platform_id: h.platform.id,
    });
    expect(row.roles).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']);
    expect(row.ags_lineitem_url).toMatch(/^http/);
    expect(row.ags_scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
    expect(row.nrps_memberships_url).toMatch(/memberships/);
    expect(row.context_id).toBeTruthy();
    expect(row.resource_link_id).toBeTruthy();

    const steps = (await timeline(h, r.correlationId!)).map((e) => `${e.step}:${e.outcome}`);
    expect(steps).toEqual([
      'login_received:ok',
      'platform_resolved:ok',
      'auth_redirect:ok',
      'launch_received:ok',
      'state:ok',
      'signature:ok',
      'claims:ok',
      'deployment:ok',
      'scenario:ok',
      'provisioning:ok',
      'landed:ok',
    ]);
    const claimsEvent = (await timeline(h, r.correlationId!)).find((e) => e.step === 'claims')!;
    expect(JSON.stringify(claimsEvent.details)).not.toContain('grace@example.edu');
    expect(JSON.stringify(claimsEvent.details)).toContain('g***@example.edu');
  });

  it('a second launch of the same learner reuses the Member and refreshes the name', async () => {
    await launch(h, { user: { sub: 'learner-2', name: 'Old Name' } });
    const before = await counts(h);
    const r = await launch(h, { user: { sub: 'learner-2', name: 'New Name' } });
    expect(r.status).toBe(303);
    expect(await counts(h)).toEqual(before);
    const identity = await h.t.db.selectFrom('lti_identities').selectAll().where('sub', '=', 'learner-2').executeTakeFirstOrThrow();
    expect(identity.name).toBe('New Name');
  });

  it('a returning learner whose LMS profile did not change does not rewrite their identity row', async () => {
    await launch(h, { user: { sub: 'learner-same', name: 'Same Name' } });
    const version = async () => (await sql<{ v: string }>`select xmin::text as v from lti_identities where sub = 'learner-same'`.execute(h.t.db)).rows[0]!.v;
    const before = await version();
    expect((await launch(h, { user: { sub: 'learner-same', name: 'Same Name' } })).status).toBe(303);
    expect(await version()).toBe(before);
  });

  it('correlation IDs are time-ordered UUIDs (v7): index inserts go to the end of the index', async () => {
    const a = await launch(h, {});
    const b = await launch(h, {});
    expect(a.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.correlationId! < b.correlationId!).toBe(true);
  });

  it('routes by scenario ID as well as slug', async () => {
    const s = await h.t.db.selectFrom('scenarios').selectAll().where('workspace_id', '=', h.workspaceId).executeTakeFirstOrThrow();
    const r = await launch(h, { custom: { scenario_id: s.id } });
    expect(r.status).toBe(303);
    expect((await timeline(h, r.correlationId!)).find((e) => e.step === 'scenario')?.details).toMatchObject({ by: 'id' });
  });

  it('R1 R4 GET and POST login initiation produce the same authentication request', async () => {
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } });
    const get = await fetch(init.url, { redirect: 'manual' });
    const post = await fetch(init.loginUrl, { method: 'POST', body: new URLSearchParams(init.params), redirect: 'manual' });
    expect(get.status).toBe(302);
    expect(post.status).toBe(302);
    const a = new URL(get.headers.get('location')!);
    const b = new URL(post.headers.get('location')!);
    const strip = (u: URL) =>
      [...u.searchParams.keys()]
        .filter((k) => k !== 'state' && k !== 'nonce')
        .sort()
        .map((k) => `${k}=${u.searchParams.get(k)}`);
    expect(strip(a)).toEqual(strip(b));
    expect(`${a.origin}${a.pathname}`).toBe(h.sim.endpoints.auth);
    expect(Object.fromEntries(a.searchParams)).toMatchObject({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: h.sim.clientId,
      redirect_uri: `${h.runtime.url}/lti/launch`,
      login_hint: init.loginHint,
      lti_message_hint: init.messageHint,
    });
    expect(get.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('R4 sends lti_message_hint only when it was received', async () => {
    const init = h.sim.loginInitiation({ loginParams: { lti_message_hint: null } });
    const res = await fetch(init.url, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.has('lti_message_hint')).toBe(false);
  });

  it('R5 R6 R7 state and nonce: ≥128 bits, unique, stored before the redirect, bound by a per-state cookie', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const init = h.sim.loginInitiation({ loginParams: { lti_deployment_id: h.sim.deploymentId } });
      const res = await fetch(init.url, { redirect: 'manual' });
      const q = new URL(res.headers.get('location')!).searchParams;
      const state = q.get('state')!;
      const nonce = q.get('nonce')!;
      expect(Buffer.from(state, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(Buffer.from(nonce, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(seen.has(state) || seen.has(nonce)).toBe(false);
      seen.add(state).add(nonce);
      const row = await h.t.db.selectFrom('login_states').selectAll().where('state', '=', state).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ nonce, issuer: h.sim.issuer, client_id: h.sim.clientId, deployment_id_hint: h.sim.deploymentId, consumed_at: null });
      const cookie = res.headers.getSetCookie().find((c) => c.includes(state))!;
      expect(cookie).toMatch(/SameSite=None/i);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/Partitioned/);
    }
  });

  it('R18 a replayed id_token fails, and concurrent posts of one launch land once', async () => {
    const first = await simulateBrowserLaunch(h.sim, { custom: { scenario_id: 'fire-drill' } });
    expect(first.launch?.status).toBe(303);
    // Replay the exact form post (same state, same token, same cookies).
    const replay = await replayLaunch(first);
    expect(replay.headers.get('x-tether-error')).toBe('nonce_replayed');

    // Two nodes or two clicks posting the same launch at once: exactly one wins.
    const before = await counts(h);
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, user: { sub: 'double-click' } });
    const login = await fetch(init.url, { redirect: 'manual' });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const form = parseAutoPostForm(await (await h.sim.fetch(new Request(login.headers.get('location')!))).text());
    const post = () => fetch(form.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form.fields), headers: { cookie } });
    const results = await Promise.all([post(), post(), post(), post()]);
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.headers.get('x-tether-error') === 'nonce_replayed')).toHaveLength(3);
    expect((await counts(h)).users).toBe(before.users + 1);
  });

  it('R30 launches in two tabs (two courses) stay independent', async () => {
    const a = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, context: { id: 'course-A', title: 'Course A' }, user: { sub: 'tabs' } });
    const b = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, context: { id: 'course-B', title: 'Course B' }, user: { sub: 'tabs' } });
    const la = await fetch(a.url, { redirect: 'manual' });
    const lb = await fetch(b.url, { redirect: 'manual' });
    const jar = [...la.headers.getSetCookie(), ...lb.headers.getSetCookie()].map((c) => c.split(';')[0]).join('; ');
    const fa = parseAutoPostForm(await (await h.sim.fetch(new Request(la.headers.get('location')!))).text());
    const fb = parseAutoPostForm(await (await h.sim.fetch(new Request(lb.headers.get('location')!))).text());
    // The second tab finishes first; both land, each with its own course.
    const rb = await fetch(fb.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fb.fields), headers: { cookie: jar } });
    const ra = await fetch(fa.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fa.fields), headers: { cookie: jar } });
    expect([ra.status, rb.status]).toEqual([303, 303]);
    const rows = await h.t.db
      .selectFrom('launches')
      .select(['correlation_id', 'context_id'])
      .where('correlation_id', 'in', [ra.headers.get('x-correlation-id')!, rb.headers.get('x-correlation-id')!])
      .execute();
    expect(rows.map((r) => r.context_id).sort()).toEqual(['course-A', 'course-B']);
  });
});

describe('LMS quirks', () => {
  it('R36 caches the platform JWKS: a second launch does not fetch it', async () => {
    await launch(h);
    const before = h.sim.stats().jwksRequests;
    expect((await launch(h)).status).toBe(303);
    expect(h.sim.stats().jwksRequests).toBe(before);
  });

  it('P13: after a platform key rotation the new kid is fetched once and the launch succeeds', async () => {
    await launch(h);
    await h.sim.rotateKeys({ keepOld: false });
    const before = h.sim.stats().jwksRequests;
    const r = await launch(h);
    expect(r.status).toBe(303);
    expect(h.sim.stats().jwksRequests - before).toBe(1);
    expect((await timeline(h, r.correlationId!)).find((e) => e.step === 'signature')?.details).toMatchObject({ keyRefetched: true });
  });

  it('P16: aud as a one-element array (Schoology) is accepted', async () => {
    expect((await launch(h, { audArray: true })).status).toBe(303);
  });

  it('P37: a platform clock 30 s ahead is tolerated', async () => {
    expect((await launch(h, { tamper: { iatOffsetSec: 30, expOffsetSec: 330 } })).status).toBe(303);
  });

  it('P38: a token issued 5 minutes ago (slow cold start) is not too old', async () => {
    expect((await launch(h, { tamper: { iatOffsetSec: -300, expOffsetSec: 300 } })).status).toBe(303);
  });

  it('P22: Canvas sends deployment_id (not lti_deployment_id) at login; it is read and checked', async () => {
    const r = await launch(h, { loginParams: { lti_deployment_id: null, deployment_id: h.sim.deploymentId } });
    expect(r.status).toBe(303);
    const row = await h.t.db.selectFrom('login_states').select('deployment_id_hint').where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row.deployment_id_hint).toBe(h.sim.deploymentId);
  });

  it('short role names are normalised to URIs (LTI core compatibility)', async () => {
    const r = await launch(h, { roles: ['Instructor'] });
    const row = await h.t.db.selectFrom('launches').select('roles').where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row.roles).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor']);
    const landing = await (await follow(r.location!)).text();
    expect(landing).toContain('scenario_id=fire-drill');
  });
});

describe('cookie-less launches (LTI platform storage, R8 R63–R65)', () => {
  it('stores the state in the platform frame at login and proves it at launch before landing', async () => {
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, storageTarget: 'post_message_forwarding', user: { sub: 'safari-user' } });
    const login = await fetch(init.url, { redirect: 'manual' });
    expect(login.status).toBe(200);
    const page = await login.text();
    const authOrigin = new URL(h.sim.endpoints.auth).origin;
    expect(page).toContain('lti.put_data');
    expect(page).toContain(`"platformOrigin":"${authOrigin}"`);
    expect(page).toContain('"target":"post_message_forwarding"');
    expect(page).toMatch(/replace\(/); // navigates on (after) the put_data response
    expect(page).toContain("key:'nonce_'+cfg.state"); // the nonce is stored under the state
    const authUrl = JSON.parse(page.match(/"authUrl":("[^"]+")/)![1]!) as string;
    const state = new URL(authUrl).searchParams.get('state')!;
    expect(page).toContain(`"state":"${state}"`);

    // Safari: no third-party cookies, so the launch arrives without the state cookie.
    const form = parseAutoPostForm(await (await h.sim.fetch(new Request(authUrl))).text());
    expect(form.fields.lti_storage_target).toBe('post_message_forwarding');
    const before = await counts(h);
    const launchRes = await fetch(form.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form.fields) });
    expect(launchRes.status).toBe(200);
    const check = await launchRes.text();
    expect(check).toContain('lti.get_data');
    expect(check).toContain(`"state":"${state}"`);
    expect(await counts(h)).toEqual(before); // nothing provisioned before the browser proved the state
    const token = JSON.parse(check.match(/"token":("[^"]+")/)![1]!) as string;
    const continueUrl = JSON.parse(check.match(/"continueUrl":("[^"]+")/)![1]!) as string;
    expect(continueUrl).toBe(`${h.runtime.url}/lti/launch/continue`); // no token in the URL

    // The page's script read the state back and continues; a failed read reports state_missing,
    // which ends the launch (its state is used up), so a later continuation is a replay.
    const failed = await postContinuation({ continueUrl, token }, { storage_error: 'key_not_found' });
    expect(failed.headers.get('x-tether-error')).toBe('state_missing');
    const nonce = JSON.parse(page.match(/"nonce":("[^"]+")/)![1]!) as string;
    const ok = await postContinuation({ continueUrl, token }, { state, nonce });
    expect(ok.headers.get('x-tether-error')).toBe('nonce_replayed');
  });

  it('a confirmed platform-storage launch lands, once', async () => {
    const c = await cookielessLaunch(h, { user: { sub: 'safari-user-2' } });
    const before = await counts(h);
    const ok = await postContinuation(c, c.proof);
    expect(ok.status).toBe(303);
    expect(await counts(h)).toEqual({ users: before.users + 1, memberships: before.memberships + 1, identities: before.identities + 1 });
    const landing = await follow(ok.headers.get('location')!);
    expect(await landing.text()).toContain('Fire drill');
    const steps = (await timeline(h, ok.headers.get('x-correlation-id')!)).map((e) => e.step);
    expect(steps.filter((s) => s === 'state')).toHaveLength(2); // pending, then confirmed
    expect(steps.at(-1)).toBe('landed');
    const again = await postContinuation(c, c.proof);
    expect(again.headers.get('x-tether-error')).toBe('nonce_replayed');
  });

  it('login CSRF: a continuation without the proof from platform storage is refused (state_missing), nothing created', async () => {
    for (const proof of [{}, { state: 'wrong' }, { nonce: 'guessed' }]) {
      const c = await cookielessLaunch(h, { user: { sub: `csrf-victim-${Object.keys(proof).join('')}` } });
      const before = await counts(h);
      const res = await postContinuation(c, { ...(proof as Record<string, string>), ...('state' in proof ? {} : { state: c.proof.state }) });
      expect(res.headers.get('x-tether-error')).toBe('state_missing');
      expect(await counts(h)).toEqual(before);
      const row = await h.t.db.selectFrom('launches').select(['status', 'error_code']).where('correlation_id', '=', c.correlationId).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'failed', error_code: 'state_missing' });
    }
  });

  it('a tampered continuation is refused', async () => {
    const res = await postContinuation({ continueUrl: `${h.runtime.url}/lti/launch/continue`, token: 'eyJhbGciOiJIUzI1NiJ9.e30.AAAA' }, { state: 'x', nonce: 'y' });
    expect(res.headers.get('x-tether-error')).toBe('state_unknown');
  });
});

describe('tool endpoints', () => {
  it('R32 publishes only public key members, current and next', async () => {
    const res = await fetch(`${h.runtime.url}/.well-known/jwks.json`);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      expect(k).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    }
  });

  it('serves the discovery document with the lti-tool-configuration claim', async () => {
    const doc = (await (await fetch(`${h.runtime.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      jwks_uri: `${h.runtime.url}/.well-known/jwks.json`,
      initiate_login_uri: `${h.runtime.url}/lti/login`,
      redirect_uris: [`${h.runtime.url}/lti/launch`],
      token_endpoint_auth_method: 'private_key_jwt',
    });
    const cfg = doc['https://purl.imsglobal.org/spec/lti-tool-configuration'] as { domain: string; messages: { type: string }[] };
    expect(cfg.domain).toBe(new URL(h.runtime.url).host);
    expect(cfg.messages.map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
  });

  it('answers health and readiness', async () => {
    expect(await (await fetch(`${h.runtime.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${h.runtime.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', keys: 'ok' } });
  });

  it('refuses a forged or expired learner session', async () => {
    const res = await fetch(`${h.runtime.url}/learn?code=forged`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('open the activity again');
  });
});
