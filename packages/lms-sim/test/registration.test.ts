import { describe, expect, it } from 'vitest';
import { ALL_SERVICE_SCOPES, PLATFORM_CONFIGURATION, SCOPE, simulateBrowserLaunch, TOOL_CONFIGURATION } from '../src/index.js';
import type { FakeTool } from './fake-tool.js';
import { setup } from './helpers.js';

const UA = { 'user-agent': 'tether-test/1.0' };

function registrationBody(tool: FakeTool, overrides: Record<string, unknown> = {}) {
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: tool.loginUrl,
    redirect_uris: [tool.launchUrl],
    client_name: 'Tether',
    jwks_uri: tool.jwksUrl,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: `${SCOPE.score} ${SCOPE.lineItem} ${SCOPE.nrps}`,
    [TOOL_CONFIGURATION]: {
      domain: new URL(tool.url).host,
      target_link_uri: tool.launchUrl,
      claims: ['iss', 'sub', 'name', 'email'],
      messages: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
    },
    ...overrides,
  };
}

/** Act as the tool: read the params the LMS opened the registration URL with. */
function openRegistration(url: string): { config: string; token: string | null } {
  const u = new URL(url);
  return { config: u.searchParams.get('openid_configuration')!, token: u.searchParams.get('registration_token') };
}

function register(endpoint: string, token: string | null, body: unknown) {
  return fetch(endpoint, {
    method: 'POST',
    headers: { ...UA, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe('dynamic registration', () => {
  it('openid configuration lists the platform endpoints and LTI platform configuration', async () => {
    const { sim, tool } = await setup();
    const { config, token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    expect(config).toBe(sim.endpoints.openidConfiguration);
    const res = await fetch(config, { headers: { ...UA, authorization: `Bearer ${token}` } });
    const cfg = (await res.json()) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      issuer: sim.issuer,
      authorization_endpoint: sim.endpoints.auth,
      token_endpoint: sim.endpoints.token,
      jwks_uri: sim.endpoints.jwks,
      registration_endpoint: sim.endpoints.registration,
      response_types_supported: ['id_token'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    });
    expect(cfg.scopes_supported).toEqual(expect.arrayContaining(['openid', ...ALL_SERVICE_SCOPES]));
    expect(cfg.subject_types_supported).toBeTruthy();
    expect(cfg.claims_supported).toBeTruthy();
    expect(cfg[PLATFORM_CONFIGURATION]).toMatchObject({ product_family_code: 'generic' });
    expect(cfg.authorization_server).toBeUndefined();
    // a wrong token on the configuration GET is refused
    expect((await fetch(config, { headers: { ...UA, authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('registers a tool, returns client_id + deployment_id, and launches then work', async () => {
    const { sim, tool } = await setup();
    const { token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    expect(token).toMatch(/[+/=]/); // standard base64, survives URL round trip
    const res = await register(sim.endpoints.registration, token, registrationBody(tool));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.client_id).toBe('string');
    const toolCfg = body[TOOL_CONFIGURATION] as Record<string, unknown>;
    expect(typeof toolCfg.deployment_id).toBe('string');
    expect(sim.registrations()).toHaveLength(1);
    expect(sim.registrations()[0]!.clientId).toBe(body.client_id);
    // the token is single use
    expect((await register(sim.endpoints.registration, token, registrationBody(tool))).status).toBe(401);
    // auto-registered: a launch to the new client works end to end
    const r = await simulateBrowserLaunch(sim, { clientId: body.client_id as string });
    expect(r.stage).toBe('launch');
    expect(r.launch!.status).toBe(200);
    expect(sim.tool(body.client_id as string)!.deploymentIds).toEqual([toolCfg.deployment_id]);
  });

  it('401 without (or with a wrong) registration token', async () => {
    const { sim, tool } = await setup();
    const none = await register(sim.endpoints.registration, null, registrationBody(tool));
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toBe('invalid_token');
    expect((await register(sim.endpoints.registration, 'guess', registrationBody(tool))).status).toBe(401);
  });

  it('400 invalid_client_metadata for a bad body (OIDC shape)', async () => {
    const { sim, tool } = await setup();
    const { token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ grant_types: ['client_credentials'] }, /grant_types/],
      [{ response_types: ['code'] }, /response_types/],
      [{ token_endpoint_auth_method: 'client_secret_basic' }, /token_endpoint_auth_method/],
      [{ redirect_uris: [] }, /redirect_uris/],
      [{ jwks_uri: undefined }, /jwks_uri/],
      [{ scope: 'https://example.com/admin' }, /scope/],
      [{ [TOOL_CONFIGURATION]: { target_link_uri: tool.launchUrl, claims: [], messages: [] } }, /domain/],
    ];
    for (const [override, re] of cases) {
      const res = await register(sim.endpoints.registration, token, registrationBody(tool, override));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_client_metadata');
      expect(body.error_description).toMatch(re);
    }
    // the token was not consumed by failures
    expect((await register(sim.endpoints.registration, token, registrationBody(tool))).status).toBe(200);
  });

  it('canvas mode answers 422 {errors:[{field,message}]} and requires the token on the configuration GET', async () => {
    const { sim, tool } = await setup({ mode: 'canvas' });
    const { config, token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    expect((await fetch(config, { headers: UA })).status).toBe(401);
    expect((await fetch(config, { headers: { ...UA, authorization: `Bearer ${token}` } })).status).toBe(200);
    const res = await register(sim.endpoints.registration, token, registrationBody(tool, { application_type: 'native' }));
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: Array<{ field: string; message: string }> };
    expect(body.errors[0]).toMatchObject({ field: 'application_type' });
    expect(typeof body.errors[0]!.message).toBe('string');
  });

  it('omitDeploymentId leaves deployment_id out of the response', async () => {
    const { sim, tool } = await setup({ omitDeploymentId: true });
    const { token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    const body = (await (await register(sim.endpoints.registration, token, registrationBody(tool))).json()) as Record<string, unknown>;
    expect((body[TOOL_CONFIGURATION] as Record<string, unknown>).deployment_id).toBeUndefined();
    expect(body.client_id).toBeTruthy();
  });

  it('rejectRegistration answers with the configured status and body', async () => {
    const { sim, tool } = await setup();
    sim.configure({ rejectRegistration: { status: 500, body: { oops: true } } });
    const { token } = openRegistration(sim.startRegistration({ toolRegistrationUrl: tool.registrationUrl }));
    const res = await register(sim.endpoints.registration, token, registrationBody(tool));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ oops: true });
  });

  it('blackboard quirk: doubleEncodeToken percent-encodes the token twice', async () => {
    const { sim, tool } = await setup({ mode: 'blackboard' });
    const url = sim.startRegistration({ toolRegistrationUrl: `${tool.registrationUrl}?x=1`, doubleEncodeToken: true });
    const once = new URL(url).searchParams.get('registration_token')!;
    expect(once).toMatch(/%2B|%2F|%3D/);
    const raw = decodeURIComponent(once);
    expect(new URL(url).searchParams.get('x')).toBe('1');
    expect((await register(sim.endpoints.registration, once, registrationBody(tool))).status).toBe(401);
    expect((await register(sim.endpoints.registration, raw, registrationBody(tool))).status).toBe(200);
  });

  it('brightspace mode advertises authorization_server; overrides can break the configuration', async () => {
    const { sim } = await setup({ mode: 'brightspace', openidConfigurationOverrides: { jwks_uri: null, issuer: 'https://elsewhere.example' } });
    const cfg = (await (await fetch(sim.endpoints.openidConfiguration, { headers: UA })).json()) as Record<string, unknown>;
    expect(cfg.authorization_server).toBe('https://api.brightspace.com/auth/token');
    expect(cfg.jwks_uri).toBeUndefined();
    expect(cfg.issuer).toBe('https://elsewhere.example');
  });
});
