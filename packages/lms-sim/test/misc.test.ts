import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLAIM, parseAutoPostForm, SCOPE } from '../src/index.js';
import { loginAndAuth, setup } from './helpers.js';

/** GET with node:http, which (unlike fetch) sends no User-Agent unless told to. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('User-Agent enforcement (Canvas-like)', () => {
  it('403 without a User-Agent on tool-facing endpoints; the browser-facing auth endpoint is exempt', async () => {
    const { sim } = await setup({ userAgentRequired: true });
    expect(await rawGet(sim.endpoints.jwks)).toBe(403);
    expect(await rawGet(sim.endpoints.jwks, { 'user-agent': 'Tether/1.0' })).toBe(200);
    expect(await rawGet(sim.endpoints.openidConfiguration)).toBe(403);
    expect(await rawGet(sim.membershipsUrl('course-1'))).toBe(403);
    const empty = await fetch(sim.endpoints.token, { method: 'POST', headers: { 'user-agent': '' } });
    expect(empty.status).toBe(403);
    // default Node fetch UA ("node") passes in non-strict mode
    expect((await fetch(sim.endpoints.jwks)).status).toBe(200);
    // the auth endpoint is called by the browser, not the tool
    expect(await rawGet(`${sim.endpoints.auth}?client_id=x`)).toBe(400);
    const log = sim.requestLog().filter((e) => e.path === '/jwks');
    expect(log.map((e) => [e.status, e.userAgent])).toEqual([
      [403, null],
      [200, 'Tether/1.0'],
      [200, 'node'],
    ]);
  });

  it("'strict' also rejects HTTP-library default agents; canvas mode enables the check by default", async () => {
    const strict = await setup({ userAgentRequired: 'strict' });
    expect((await fetch(strict.sim.endpoints.jwks)).status).toBe(403);
    expect((await fetch(strict.sim.endpoints.jwks, { headers: { 'user-agent': 'Tether/1.0 (+https://tether.example)' } })).status).toBe(200);
    const canvas = await setup({ mode: 'canvas' });
    expect(await rawGet(canvas.sim.endpoints.jwks)).toBe(403);
    const generic = await setup();
    expect(await rawGet(generic.sim.endpoints.jwks)).toBe(200);
  });
});

describe('deep-linking return', () => {
  async function dlSetup(deepLinking: Record<string, unknown> = {}) {
    const ctx = await setup();
    const { body } = await loginAndAuth(ctx.sim, { messageType: 'LtiDeepLinkingRequest', deepLinking });
    const claims = decodeJwt(parseAutoPostForm(body).fields.id_token!);
    const settings = claims[CLAIM.deepLinkingSettings] as { deep_link_return_url: string; data?: string };
    const now = Math.floor(Date.now() / 1000);
    const response = (extra: Record<string, unknown> = {}) =>
      ctx.tool.sign({
        iss: ctx.sim.clientId,
        aud: ctx.sim.issuer,
        iat: now,
        exp: now + 300,
        nonce: randomUUID(),
        [CLAIM.messageType]: 'LtiDeepLinkingResponse',
        [CLAIM.version]: '1.3.0',
        [CLAIM.deploymentId]: claims[CLAIM.deploymentId],
        [CLAIM.dlContentItems]: [{ type: 'ltiResourceLink', title: 'Scenario', url: ctx.tool.launchUrl }],
        ...(settings.data !== undefined ? { [CLAIM.dlData]: settings.data } : {}),
        ...extra,
      });
    const post = (jwt: string) =>
      fetch(settings.deep_link_return_url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ JWT: jwt }).toString(),
      });
    return { ...ctx, response, post };
  }

  it('verifies a correct response and records it', async () => {
    const { sim, response, post } = await dlSetup();
    const res = await post(await response());
    expect(res.status).toBe(200);
    const [rec] = sim.deepLinkResponses();
    expect(rec!.errors).toEqual([]);
    expect((rec!.claims![CLAIM.dlContentItems] as unknown[]).length).toBe(1);
  });

  it('rejects a response that does not echo data, or has the wrong aud', async () => {
    const { sim, response, post } = await dlSetup();
    expect((await post(await response({ [CLAIM.dlData]: undefined }))).status).toBe(400);
    expect(sim.deepLinkResponses()[0]!.errors.join()).toMatch(/data claim missing/);
    expect((await post(await response({ aud: 'https://wrong.example' }))).status).toBe(400);
    expect(sim.deepLinkResponses()[1]!.errors.join()).toMatch(/aud/);
  });
});

describe('human UI', () => {
  it('home page lists tools; /launch auto-posts the login initiation to the tool', async () => {
    const { sim, tool } = await setup();
    const home = await (await fetch(`${sim.url}/`)).text();
    expect(home).toContain(sim.clientId);
    const page = await fetch(`${sim.url}/launch?as=instructor`);
    const form = parseAutoPostForm(await page.text());
    expect(form.action).toBe(tool.loginUrl);
    expect(form.fields.lti_message_hint).toBeTruthy();
    const start = await fetch(`${sim.url}/start-registration?url=${encodeURIComponent(tool.registrationUrl)}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toContain('openid_configuration=');
  });
});

describe('observability', () => {
  it('stats count requests and tokens; issueAccessToken honours scopes', async () => {
    const { sim } = await setup();
    await loginAndAuth(sim);
    const s = sim.stats();
    expect(s.loginInitiations).toBe(1);
    expect(s.authRequests).toBe(1);
    expect(s.idTokensIssued).toBe(1);
    const t = sim.issueAccessToken({ scopes: [SCOPE.nrps] });
    expect(sim.accessTokens().find((a) => a.accessToken === t)!.scopes).toEqual([SCOPE.nrps]);
    sim.resetStats();
    expect(sim.stats().authRequests).toBe(0);
  });
});
