// R9–R28 (docs/lti-requirements.md): one hostile launch per check, each answered with its own code,
// a learner page carrying the correlation ID, a timeline entry — and nothing provisioned.

import type { LaunchSpec } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { counts, launch, timeline } from './launch-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const cases: [string, LaunchSpec, string, number][] = [
  ['R9 garbled id_token (not a three-part JWS)', { tamper: { garbleToken: true } }, 'jwt_malformed', 400],
  ['R10 alg none', { tamper: { alg: 'none' } }, 'alg_not_allowed', 401],
  ['R10 HS256 signed with the platform public key', { tamper: { alg: 'HS256' } }, 'alg_not_allowed', 401],
  ['R11 no kid header', { tamper: { omitKid: true } }, 'kid_missing', 401],
  ['R12 signed by a key not in the JWKS', { tamper: { wrongKey: true } }, 'bad_signature', 401],
  ['R13 unknown kid (after one refetch)', { tamper: { kid: 'no-such-kid' } }, 'kid_not_found', 401],
  ['R14 iss differs', { tamper: { iss: 'https://evil.example' } }, 'iss_mismatch', 401],
  ['R15 aud without our client_id', { tamper: { aud: 'someone-else' } }, 'aud_mismatch', 401],
  ['R16 multi-audience with an untrusted audience', { tamper: { aud: ['__CLIENT__', 'other-tool'], azp: '__CLIENT__' } }, 'aud_mismatch', 401],
  ['R16 azp is another client', { tamper: { azp: 'other-tool' } }, 'azp_mismatch', 401],
  ['R17 expired', { tamper: { expired: true } }, 'token_expired', 401],
  ['R17 iat in the future beyond skew', { tamper: { iatOffsetSec: 600, expOffsetSec: 900 } }, 'iat_in_future', 401],
  ['R17 iat older than the maximum age', { tamper: { iatOffsetSec: -7200, expOffsetSec: 300 } }, 'token_too_old', 401],
  ['R18 nonce missing', { tamper: { nonce: null } }, 'nonce_missing', 401],
  ['R18 nonce not issued with this state', { tamper: { nonce: 'forged-nonce' } }, 'nonce_mismatch', 401],
  ['R21 deployment_id missing', { tamper: { deploymentId: null } }, 'deployment_missing', 400],
  ['R21 deployment_id unknown (strict policy)', { loginParams: { lti_deployment_id: null }, tamper: { deploymentId: 'dep-unknown' } }, 'unknown_deployment', 403],
  [
    'R21 login deployment differs from the claim (Canvas deployment_id param)',
    { loginParams: { lti_deployment_id: null, deployment_id: 'canvas-dep-x' } },
    'deployment_mismatch',
    401,
  ],
  ['R22 version is not 1.3.0', { tamper: { version: '1.1' } }, 'wrong_version', 400],
  ['R22 unsupported message type', { tamper: { messageType: 'LtiSubmissionReviewRequest' } }, 'unsupported_message_type', 400],
  ['R24 deep linking without deep_linking_settings', { messageType: 'LtiDeepLinkingRequest', tamper: { omit: ['deep_linking_settings'] } }, 'claim_invalid', 400],
  [
    'R24 deep linking without deep_link_return_url',
    { messageType: 'LtiDeepLinkingRequest', tamper: { set: { deep_linking_settings: { accept_types: ['ltiResourceLink'], accept_presentation_document_targets: ['iframe'] } } } },
    'claim_invalid',
    400,
  ],
  [
    'R24 deep linking without accept_types',
    {
      messageType: 'LtiDeepLinkingRequest',
      tamper: { set: { deep_linking_settings: { deep_link_return_url: 'https://lms.example/return', accept_presentation_document_targets: ['iframe'] } } },
    },
    'claim_invalid',
    400,
  ],
  [
    'R24 deep linking without accept_presentation_document_targets',
    { messageType: 'LtiDeepLinkingRequest', tamper: { set: { deep_linking_settings: { deep_link_return_url: 'https://lms.example/return', accept_types: ['ltiResourceLink'] } } } },
    'claim_invalid',
    400,
  ],
  ['R23 resource link without target_link_uri', { tamper: { omit: ['target_link_uri'] } }, 'claim_invalid', 400],
  ['R23 resource link with an empty resource_link.id', { tamper: { set: { resource_link: { id: '' } } } }, 'claim_invalid', 400],
  ['R25 roles missing', { tamper: { omit: ['roles'] } }, 'claim_invalid', 400],
  ['R25 roles not an array', { tamper: { set: { roles: 'Learner' } } }, 'claim_invalid', 400],
  ['R26 empty sub', { tamper: { set: { sub: '' } } }, 'sub_missing', 400],
  ['R26 anonymous launch', { user: 'anonymous' }, 'sub_missing', 400],
  ['R27 signed target_link_uri points elsewhere', { tamper: { set: { target_link_uri: 'https://evil.example/launch' } } }, 'target_link_uri_invalid', 400],
  ['scenario_id missing', { custom: {} }, 'scenario_id_missing', 404],
  ['scenario_id unknown', { custom: { scenario_id: 'no-such-scenario' } }, 'scenario_not_found', 404],
  [
    'platform answers login_required (Canvas, blocked cookie)',
    { tamper: { postError: { error: 'login_required', error_description: 'session cookie blocked' } } },
    'platform_error',
    400,
  ],
];

/** Rows of the launch history: a refusal of anonymous input must not add any. */
const launchHistory = async () => ({
  launches: (await h.t.db.selectFrom('launches').select(h.t.db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
  events: (await h.t.db.selectFrom('launch_events').select(h.t.db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n,
});

describe('launch rejections', () => {
  for (const [name, spec, code, status] of cases) {
    it(`${name} ⇒ ${code}`, async () => {
      const before = await counts(h);
      const withClient = JSON.parse(JSON.stringify(spec).replaceAll('__CLIENT__', h.sim.clientId)) as LaunchSpec;
      const r = await launch(h, withClient);
      expect(r.stage).toBe('launch');
      expect(r.error).toBe(code);
      expect(r.status).toBe(status);
      // The learner page: the plain title, a reason, and the correlation ID to copy.
      expect(r.body).toContain("We couldn't launch this activity");
      expect(r.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.body).toContain(`value="${r.correlationId}"`);
      // No token ever leaves the server in an error page.
      const signature = r.idToken?.split('.')[2] ?? '';
      if (signature.length > 16) expect(r.body).not.toContain(signature);
      // Nothing created; the timeline says which check failed.
      expect(await counts(h)).toEqual(before);
      const events = await timeline(h, r.correlationId!);
      expect(events.some((e) => e.outcome === 'error' && e.error_code === code)).toBe(true);
      const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'failed', error_code: code });
    });
  }

  it('R13 refetches the platform JWKS exactly once on an unknown kid', async () => {
    await launch(h); // warm the cache
    const before = h.sim.stats().jwksRequests;
    const r = await launch(h, { tamper: { kid: 'another-unknown-kid' } });
    expect(r.error).toBe('kid_not_found');
    expect(h.sim.stats().jwksRequests - before).toBe(1);
    const events = await timeline(h, r.correlationId!);
    expect(events.find((e) => e.step === 'signature')?.details).toMatchObject({ kid: 'another-unknown-kid' });
  });

  it('R19 a state never issued ⇒ state_unknown, and nothing is recorded (anonymous garbage writes nothing)', async () => {
    const before = await launchHistory();
    const r = await launch(h, { tamper: { state: 'not-a-state-we-issued' } });
    expect(r.error).toBe('state_unknown');
    expect(r.status).toBe(401);
    expect(r.correlationId).toBeNull();
    expect(r.body).toContain("We couldn't launch this activity");
    expect(await launchHistory()).toEqual(before);
  });

  it('R19 a launch without the state cookie (third-party cookies blocked) ⇒ state_missing', async () => {
    // Walk the launch by hand, dropping the cookie the login set (as Safari in an iframe would).
    const before = await counts(h);
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' } });
    const login = await fetch(init.url, { redirect: 'manual' });
    const auth = await h.sim.fetch(new Request(login.headers.get('location')!));
    const { parseAutoPostForm } = await import('@tether/lms-sim');
    const form = parseAutoPostForm(await auth.text());
    const res = await fetch(form.action, { method: 'POST', body: new URLSearchParams(form.fields), redirect: 'manual' });
    expect(res.headers.get('x-tether-error')).toBe('state_missing');
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/blocked a cookie/);
    expect(await counts(h)).toEqual(before);
  });

  it('a failure after the claims were verified keeps who, where and which deployment for troubleshooting', async () => {
    const r = await launch(h, { custom: { scenario_id: 'not-here' }, user: { sub: 'lost-learner', name: 'Lost Learner' }, context: { id: 'course-9', title: 'Course 9' } });
    expect(r.error).toBe('scenario_not_found');
    const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'failed',
      lti_sub: 'lost-learner',
      context_id: 'course-9',
      context_title: 'Course 9',
      deployment_id: h.sim.deploymentId,
      message_type: 'LtiResourceLinkRequest',
      user_id: null,
    });
  });

  it('R2 login without iss or login_hint ⇒ 400 and no redirect', async () => {
    for (const drop of ['iss', 'login_hint', 'target_link_uri']) {
      const init = h.sim.loginInitiation({});
      const url = new URL(init.url);
      url.searchParams.delete(drop);
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('x-tether-error')).toBe('invalid_request');
      expect(await res.text()).toContain(drop);
    }
  });

  it('R3 an unknown issuer/client_id is refused', async () => {
    const init = h.sim.loginInitiation({});
    const url = new URL(init.url);
    url.searchParams.set('client_id', 'not-registered');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.headers.get('x-tether-error')).toBe('unknown_platform');
    url.searchParams.set('client_id', h.sim.clientId);
    url.searchParams.set('iss', 'https://unknown.example');
    expect((await fetch(url, { redirect: 'manual' })).headers.get('x-tether-error')).toBe('unknown_platform');
  });

  it('R3 several registrations for one issuer and no client_id ⇒ ambiguous_platform, never a guess', async () => {
    const { createPlatform } = await import('@tether/db');
    const p = h.platform;
    await createPlatform(
      h.t.db,
      {
        workspace_id: p.workspace_id,
        name: 'Second',
        issuer: p.issuer,
        client_id: 'second-registration',
        auth_login_url: p.auth_login_url,
        token_url: p.token_url,
        jwks_url: p.jwks_url,
        registered_via: 'manual',
        deployment_policy: 'strict',
      },
      ['x'],
      'manual',
    );
    const init = h.sim.loginInitiation({});
    const url = new URL(init.url);
    url.searchParams.delete('client_id');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.headers.get('x-tether-error')).toBe('ambiguous_platform');
    // With client_id the right one is found.
    expect((await fetch(init.url, { redirect: 'manual' })).status).toBe(302);
  });

  it('R27 a login whose target_link_uri is not this tool is refused', async () => {
    const init = h.sim.loginInitiation({});
    const url = new URL(init.url);
    url.searchParams.set('target_link_uri', 'https://evil.example/');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.headers.get('x-tether-error')).toBe('target_link_uri_invalid');
  });
});
