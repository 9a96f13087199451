import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAIM, createLmsSimApp, DEFAULT_AGS_SCOPES, parseAutoPostForm, ROLE, SCOPE, simulateBrowserLaunch } from '../src/index.js';
import { loginAndAuth, setup } from './helpers.js';

describe('happy-path launch', () => {
  it('login → /auth → form post → id_token verifies against /jwks', async () => {
    const { sim, tool } = await setup();
    const init = sim.loginInitiation({
      custom: { scenario: 'fire-drill' },
      resourceLink: { id: 'rl-42', title: 'Fire drill' },
    });

    // login initiation carries what a real platform sends
    expect(init.params).toMatchObject({
      iss: sim.issuer,
      client_id: sim.clientId,
      lti_deployment_id: sim.deploymentId,
      target_link_uri: tool.launchUrl,
      login_hint: init.loginHint,
      lti_message_hint: init.messageHint,
    });
    expect(new URL(init.url).origin + new URL(init.url).pathname).toBe(tool.loginUrl);

    const login = await fetch(init.url, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const authUrl = login.headers.get('location')!;
    expect(authUrl.startsWith(sim.endpoints.auth)).toBe(true);

    const auth = await fetch(authUrl);
    expect(auth.status).toBe(200);
    expect(auth.headers.get('content-type')).toMatch(/text\/html/);
    const form = parseAutoPostForm(await auth.text());
    expect(form.action).toBe(tool.launchUrl);
    expect(form.method).toBe('post');
    expect(Object.keys(form.fields).sort()).toEqual(['id_token', 'state']);
    expect(form.fields.state).toBe(tool.logins[0]!.state);

    const post = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    });
    expect(post.status).toBe(200);
    expect(tool.launches[0]!.fields.id_token).toBe(form.fields.id_token);

    const jwks = createRemoteJWKSet(new URL(sim.endpoints.jwks));
    const { payload, protectedHeader } = await jwtVerify(form.fields.id_token!, jwks, {
      issuer: sim.issuer,
      audience: sim.clientId,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(sim.currentKid);
    expect(payload.nonce).toBe(tool.logins[0]!.nonce);
    expect(payload.azp).toBe(sim.clientId);
    expect(typeof payload.sub).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload[CLAIM.messageType]).toBe('LtiResourceLinkRequest');
    expect(payload[CLAIM.version]).toBe('1.3.0');
    expect(payload[CLAIM.deploymentId]).toBe(sim.deploymentId);
    expect(payload[CLAIM.targetLinkUri]).toBe(tool.launchUrl);
    expect(payload[CLAIM.resourceLink]).toEqual({ id: 'rl-42', title: 'Fire drill' });
    expect(payload[CLAIM.roles]).toEqual([ROLE.learner]);
    expect(payload[CLAIM.custom]).toEqual({ scenario: 'fire-drill' });
    expect(payload[CLAIM.context]).toMatchObject({ id: 'course-1' });
    expect(payload[CLAIM.toolPlatform]).toMatchObject({ product_family_code: 'generic', guid: sim.platformGuid });
    expect(payload[CLAIM.launchPresentation]).toMatchObject({ document_target: 'iframe' });
    expect(payload.name).toBe('Ada Lovelace');
    expect(payload.email).toBe('ada.lovelace@example.edu');
    const ags = payload[CLAIM.ags] as { scope: string[]; lineitem: string; lineitems: string };
    expect(ags.scope).toEqual([...DEFAULT_AGS_SCOPES]);
    expect(ags.lineitem).toBe(init.lineItemUrl);
    expect(ags.lineitems).toBe(`${sim.url}/ags/course-1/lineitems`);
    expect(payload[CLAIM.nrps]).toEqual({
      context_memberships_url: `${sim.url}/nrps/course-1/memberships`,
      service_versions: ['2.0'],
    });
    expect(sim.lastIdToken()).toBe(form.fields.id_token);
    expect(sim.stats().jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('JWKS publishes public members only, with Cache-Control max-age=300', async () => {
    const { sim } = await setup();
    const res = await fetch(sim.endpoints.jwks);
    expect(res.headers.get('cache-control')).toBe('max-age=300');
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(1);
    expect(Object.keys(body.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(sim.stats().jwksRequests).toBe(1);
  });

  it('simulateBrowserLaunch walks the whole flow, carrying the tool cookie (GET and POST login)', async () => {
    const { sim, tool } = await setup();
    for (const method of ['GET', 'POST'] as const) {
      const r = await simulateBrowserLaunch(sim, { roles: [ROLE.instructor] }, { method });
      expect(r.stage).toBe('launch');
      expect(r.launch!.status).toBe(200);
      expect(decodeJwt(r.idToken!)[CLAIM.roles]).toEqual([ROLE.instructor]);
    }
    expect(tool.logins.map((l) => l.method)).toEqual(['GET', 'POST']);
    expect(tool.launches[1]!.cookie).toBe(`lti_state=${tool.logins[1]!.state}`);
  });

  it('auth endpoint also accepts a form POST', async () => {
    const { sim } = await setup();
    const { authUrl } = await loginAndAuth(sim); // first launch via GET
    const init = sim.loginInitiation();
    const u = new URL(authUrl);
    u.searchParams.set('lti_message_hint', init.messageHint);
    u.searchParams.set('login_hint', init.loginHint);
    const res = await fetch(sim.endpoints.auth, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: u.searchParams.toString(),
    });
    expect(res.status).toBe(200);
    expect(parseAutoPostForm(await res.text()).fields.id_token).toBeTruthy();
  });

  it('deep linking request carries settings and no resource_link; AGS claim without lineitem', async () => {
    const { sim } = await setup();
    const { body } = await loginAndAuth(sim, {
      messageType: 'LtiDeepLinkingRequest',
      roles: [ROLE.instructor],
      deepLinking: { accept_types: ['ltiResourceLink', 'link'], accept_multiple: false, data: 'opaque&"data' },
    });
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    expect(claims[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(claims[CLAIM.resourceLink]).toBeUndefined();
    expect(claims[CLAIM.deepLinkingSettings]).toMatchObject({
      deep_link_return_url: sim.endpoints.deepLinkReturn,
      accept_types: ['ltiResourceLink', 'link'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
      data: 'opaque&"data',
    });
    expect((claims[CLAIM.ags] as Record<string, unknown>).lineitem).toBeUndefined();
  });

  it('anonymous launch has no sub nor identity claims; ags:false and nrps:false drop the service claims', async () => {
    const { sim } = await setup();
    const { body } = await loginAndAuth(sim, { user: 'anonymous', ags: false, nrps: false });
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    expect(claims.sub).toBeUndefined();
    expect(claims.name).toBeUndefined();
    expect(claims.email).toBeUndefined();
    expect(claims[CLAIM.ags]).toBeUndefined();
    expect(claims[CLAIM.nrps]).toBeUndefined();
  });

  it('audArray sends aud as an array (Schoology-like), with azp', async () => {
    const { sim } = await setup({ audArray: true });
    const { body } = await loginAndAuth(sim);
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    expect(claims.aud).toEqual([sim.clientId]);
    expect(claims.azp).toBe(sim.clientId);
  });

  it('storageTarget is sent at login and echoed in the auth response form', async () => {
    const { sim, tool } = await setup();
    const { body } = await loginAndAuth(sim, { storageTarget: '_parent' });
    expect(tool.logins[0]!.params.lti_storage_target).toBe('_parent');
    const { fields } = parseAutoPostForm(body);
    expect(fields.lti_storage_target).toBe('_parent');
  });

  it('canvas mode: deployment_id instead of lti_deployment_id, canvas_region/environment, post_message_forwarding', async () => {
    const { sim } = await setup({ mode: 'canvas' });
    const init = sim.loginInitiation();
    expect(init.params.deployment_id).toBe(sim.deploymentId);
    expect(init.params.lti_deployment_id).toBeUndefined();
    expect(init.params.canvas_region).toBeTruthy();
    expect(init.params.canvas_environment).toBeTruthy();
    expect(init.params.lti_storage_target).toBe('post_message_forwarding');
    const off = sim.loginInitiation({ storageTarget: false, loginParams: { canvas_region: null, extra: 'x' } });
    expect(off.params.lti_storage_target).toBeUndefined();
    expect(off.params.canvas_region).toBeUndefined();
    expect(off.params.extra).toBe('x');
    const { body } = await loginAndAuth(sim);
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    expect((claims[CLAIM.toolPlatform] as Record<string, unknown>).product_family_code).toBe('canvas');
  });

  it('tool_platform.product_family_code follows the mode', async () => {
    const expected = { moodle: 'moodle', brightspace: 'desire2learn', blackboard: 'BlackboardLearn' } as const;
    for (const [mode, code] of Object.entries(expected)) {
      const { sim } = await setup({ mode: mode as keyof typeof expected });
      const { body } = await loginAndAuth(sim);
      const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
      expect((claims[CLAIM.toolPlatform] as Record<string, unknown>).product_family_code).toBe(code);
    }
  });

  it('moodle mode: line item URLs in the AGS claim carry ?type_id=1', async () => {
    const { sim } = await setup({ mode: 'moodle' });
    const { body } = await loginAndAuth(sim);
    const ags = decodeJwt(parseAutoPostForm(body).fields.id_token!)[CLAIM.ags] as Record<string, string>;
    expect(ags.lineitem).toMatch(/\/lineitems\/\d+\/lineitem\?type_id=1$/);
    expect(ags.lineitems).toMatch(/\/lineitems\?type_id=1$/);
  });

  it('custom AGS claim is passed verbatim', async () => {
    const { sim } = await setup();
    const ags = { lineitems: 'https://elsewhere.example/li', scope: [SCOPE.score] };
    const { body } = await loginAndAuth(sim, { ags });
    expect(decodeJwt(parseAutoPostForm(body).fields.id_token!)[CLAIM.ags]).toEqual(ags);
  });

  it('explicit issuer option is used in login and token', async () => {
    const { sim } = await setup({ issuer: 'https://canvas.instructure.com', mode: 'canvas' });
    expect(sim.issuer).toBe('https://canvas.instructure.com');
    const { body } = await loginAndAuth(sim);
    expect(decodeJwt(parseAutoPostForm(body).fields.id_token!).iss).toBe('https://canvas.instructure.com');
  });

  it('launches to a second registration are addressed by clientId', async () => {
    const { sim, tool } = await setup();
    sim.registerTool({ clientId: 'other', loginUrl: tool.loginUrl, redirectUris: [tool.launchUrl], jwksUrl: tool.jwksUrl, deploymentIds: ['d-2'] });
    const { body } = await loginAndAuth(sim, { clientId: 'other' });
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    expect(claims.aud).toBe('other');
    expect(claims[CLAIM.deploymentId]).toBe('d-2');
    expect(() => sim.loginInitiation({ clientId: 'nobody' })).toThrow(/no tool registered/);
  });

  it('works in-process without a port (createLmsSimApp)', async () => {
    const sim = await createLmsSimApp({ baseUrl: 'https://lms.example' });
    expect(sim.endpoints.jwks).toBe('https://lms.example/jwks');
    const res = await sim.request('/jwks');
    expect(res.status).toBe(200);
    const cfg = (await (await sim.request('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(cfg.issuer).toBe('https://lms.example');
  });
});

describe('auth endpoint strictness', () => {
  async function authWith(mutate: (p: URLSearchParams) => void) {
    const { sim } = await setup();
    const init = sim.loginInitiation();
    const login = await fetch(init.url, { redirect: 'manual' });
    const u = new URL(login.headers.get('location')!);
    mutate(u.searchParams);
    const res = await fetch(u);
    const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string; parameter?: string };
    return { res, body };
  }

  it('rejects a redirect_uri that differs only by a trailing slash', async () => {
    const { res, body } = await authWith((p) => p.set('redirect_uri', `${p.get('redirect_uri')}/`));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('redirect_uri');
    expect(body.error_description).toMatch(/invalid redirect_uri/);
  });

  it('rejects an unregistered redirect_uri', async () => {
    const { res, body } = await authWith((p) => p.set('redirect_uri', 'https://evil.example/launch'));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('redirect_uri');
  });

  it('rejects a missing nonce', async () => {
    const { res, body } = await authWith((p) => p.delete('nonce'));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('nonce');
  });

  it('rejects an empty state', async () => {
    const { res, body } = await authWith((p) => p.set('state', ''));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('state');
  });

  it('rejects an unknown client_id', async () => {
    const { res, body } = await authWith((p) => p.set('client_id', 'not-registered'));
    expect(res.status).toBe(400);
    expect(body.error).toBe('unauthorized_client');
    expect(body.parameter).toBe('client_id');
  });

  it('rejects an unknown lti_message_hint', async () => {
    const { res, body } = await authWith((p) => p.set('lti_message_hint', 'made-up'));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('lti_message_hint');
    expect(body.error_description).toMatch(/unknown or expired lti_message_hint/);
  });

  it('rejects a missing lti_message_hint', async () => {
    const { res, body } = await authWith((p) => p.delete('lti_message_hint'));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('lti_message_hint');
  });

  it('rejects a changed login_hint', async () => {
    const { res, body } = await authWith((p) => p.set('login_hint', 'someone-else'));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe('login_hint');
  });

  it.each([
    ['scope', 'profile'],
    ['response_type', 'code'],
    ['response_mode', 'query'],
    ['prompt', 'login'],
  ])('rejects %s=%s', async (param, value) => {
    const { res, body } = await authWith((p) => p.set(param, value));
    expect(res.status).toBe(400);
    expect(body.parameter).toBe(param);
  });

  it('rejects a client_id that does not match the launch', async () => {
    const { sim, tool } = await setup();
    sim.registerTool({ clientId: 'second', loginUrl: tool.loginUrl, redirectUris: [tool.launchUrl], jwksUrl: tool.jwksUrl });
    const init = sim.loginInitiation(); // for the default client
    tool.authParams = (p) => ({ ...p, client_id: 'second' });
    const login = await fetch(init.url, { redirect: 'manual' });
    const res = await fetch(login.headers.get('location')!);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_description: string }).error_description).toMatch(/does not match the launch/);
  });
});

describe('auto-post form', () => {
  it('HTML-escapes every value (redirect URI, state)', async () => {
    const { sim, tool } = await setup();
    const evilRedirect = `${tool.launchUrl}?a="><script>alert(1)</script>&b='x'`;
    sim.registerTool({ loginUrl: tool.loginUrl, redirectUris: [evilRedirect], jwksUrl: tool.jwksUrl });
    tool.authParams = (p) => ({ ...p, redirect_uri: evilRedirect, state: `s"><img src=x onerror=alert(1)>&amp;` });
    const { body } = await loginAndAuth(sim);
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('<img src=x');
    const form = parseAutoPostForm(body);
    expect(form.action).toBe(evilRedirect);
    expect(form.fields.state).toBe(`s"><img src=x onerror=alert(1)>&amp;`);
  });

  it('parseAutoPostForm handles single quotes, entities and unquoted attributes', () => {
    const f = parseAutoPostForm(
      `<html><form method=POST action='https://t.example/x?a=1&amp;b=2'><input type=hidden name='JWT' value='a&#39;b&#x22;c'><input name="n" value=plain></form>`,
    );
    expect(f).toEqual({ action: 'https://t.example/x?a=1&b=2', method: 'post', fields: { JWT: `a'b"c`, n: 'plain' } });
  });
});

describe('key rotation', () => {
  it('rotateKeys signs with a new kid; keepOld keeps the old key published', async () => {
    const { sim } = await setup();
    const first = sim.currentKid;
    const second = await sim.rotateKeys({ keepOld: true });
    expect(second).not.toBe(first);
    expect(sim.keys()).toEqual([first, second]);
    const jwks = (await (await fetch(sim.endpoints.jwks)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([first, second].sort());

    const { body } = await loginAndAuth(sim);
    const token = parseAutoPostForm(body).fields.id_token!;
    const { protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(sim.endpoints.jwks)));
    expect(protectedHeader.kid).toBe(second);

    const third = await sim.rotateKeys({ keepOld: false });
    expect(sim.keys()).toEqual([third]);
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(sim.endpoints.jwks)))).rejects.toThrow(/no applicable key/i);
  });
});
