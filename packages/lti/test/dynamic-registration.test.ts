import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { BRIGHTSPACE_TOKEN_AUDIENCE, type LmsSim, type LmsSimOptions, startLmsSim } from '@tether/lms-sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AGS_SCOPE,
  buildRegistrationRequest,
  CANVAS_PRIVACY_LEVEL,
  decodeRegistrationToken,
  fetchPlatformConfiguration,
  LTI_PLATFORM_CONFIGURATION,
  LTI_TOOL_CONFIGURATION,
  NRPS_SCOPE,
  type PlatformConfiguration,
  parseRegistrationInitiation,
  RegistrationError,
  type RegistrationErrorCode,
  registerTool,
  registrationClosePageScript,
  runDynamicRegistration,
  summarisePlatformError,
  TOOL_SCOPES,
  toolDiscoveryDocument,
  validatePlatformConfiguration,
} from '../src/index.js';

const UA = 'tether-test/1.0 (+https://tether.example)';
const TOOL = { publicUrl: 'https://tether.example', clientName: 'Tether' };
const REGISTER_URL = `${TOOL.publicUrl}/lti/register`;

// ------------------------------------------------------------------ helpers

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(opts: LmsSimOptions = {}): Promise<LmsSim> {
  const s = await startLmsSim(opts);
  cleanups.push(() => s.close());
  return s;
}

const allow = (s: { port: number }) => [`127.0.0.1:${s.port}`];

interface LocalServer {
  url: string;
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
}

/** A throwaway platform for cases the simulator does not play. */
async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, requests };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A valid configuration for a platform at `base`; `undefined` overrides delete a member. */
function platformConfig(base: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    issuer: base,
    authorization_endpoint: `${base}/auth`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    registration_endpoint: `${base}/register`,
    scopes_supported: ['openid', AGS_SCOPE.score, NRPS_SCOPE, 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    id_token_signing_alg_values_supported: ['RS256'],
    [LTI_PLATFORM_CONFIGURATION]: {
      product_family_code: 'moodle',
      version: '4.3',
      messages_supported: ['LtiResourceLinkRequest', { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }],
    },
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete cfg[k];
    else cfg[k] = v;
  }
  return cfg;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function registrationError(p: Promise<unknown> | (() => unknown)): Promise<RegistrationError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(RegistrationError);
    return e as RegistrationError;
  }
  throw new Error('expected a RegistrationError');
}

/** What the LMS opens: the registration URL's query. */
const queryOf = (url: string) => new URL(url).searchParams;

// ------------------------------------------------------------------ end to end against lms-sim

describe('dynamic registration against lms-sim', () => {
  it.each([
    { mode: 'generic' as const, family: 'generic' },
    { mode: 'moodle' as const, family: 'moodle' },
    { mode: 'canvas' as const, family: 'canvas' },
    { mode: 'brightspace' as const, family: 'desire2learn' },
  ])('registers in $mode mode', async ({ mode, family }) => {
    const lms = await sim({ mode });
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const { registered, config } = await runDynamicRegistration(query, { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) });

    const [record] = lms.registrations();
    expect(lms.registrations()).toHaveLength(1);
    expect(registered).toMatchObject({
      clientId: record!.clientId,
      deploymentId: record!.deploymentId,
      productFamily: family,
      productVersion: '1.0.0-sim',
      issuer: lms.issuer,
      authLoginUrl: lms.endpoints.auth,
      tokenUrl: lms.endpoints.token,
      jwksUrl: lms.endpoints.jwks,
    });
    expect(registered.raw.client_id).toBe(record!.clientId);
    expect(registered.scopes).toEqual([...TOOL_SCOPES]); // the sim offers every AGS/NRPS scope
    expect(config.registration_endpoint).toBe(lms.endpoints.registration);
    expect(lms.tool(registered.clientId)?.redirectUris).toEqual([`${TOOL.publicUrl}/lti/launch`]);

    const toolConfig = record!.request[LTI_TOOL_CONFIGURATION] as Record<string, unknown>;
    if (mode === 'canvas') expect(toolConfig[CANVAS_PRIVACY_LEVEL]).toBe('public');
    else expect(toolConfig).not.toHaveProperty(CANVAS_PRIVACY_LEVEL);
    if (mode === 'brightspace') expect(registered.tokenAudience).toBe(BRIGHTSPACE_TOKEN_AUDIENCE);
    else expect(registered.tokenAudience).toBeUndefined();
  });

  it('blackboard: a twice-encoded registration token still authenticates', async () => {
    const lms = await sim({ mode: 'blackboard' });
    const url = lms.startRegistration({ toolRegistrationUrl: REGISTER_URL, doubleEncodeToken: true });
    const { registered } = await runDynamicRegistration(queryOf(url), { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) });
    expect(registered.productFamily).toBe('BlackboardLearn');
    const [record] = lms.registrations();
    expect(record!.clientId).toBe(registered.clientId);
    // The sim accepts only the raw token; after ordinary query decoding it is still encoded once.
    expect(queryOf(url).get('registration_token')).not.toBe(record!.registrationToken);
    expect(parseRegistrationInitiation(queryOf(url), { allowInsecureHosts: allow(lms) }).registrationToken).toBe(record!.registrationToken);
  });

  it('sends the registration token as Bearer on the configuration GET and the registration POST, with a User-Agent', async () => {
    const lms = await sim({ mode: 'canvas' });
    const url = lms.startRegistration({ toolRegistrationUrl: REGISTER_URL });
    const token = queryOf(url).get('registration_token')!;
    await runDynamicRegistration(queryOf(url), { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) });

    const log = lms.requestLog();
    const get = log.find((e) => e.method === 'GET' && e.path.startsWith('/.well-known/openid-configuration'));
    const post = log.find((e) => e.method === 'POST' && e.path.startsWith('/register'));
    expect(get).toMatchObject({ status: 200, authorization: `Bearer ${token}`, userAgent: UA, accept: 'application/json' });
    expect(post).toMatchObject({ status: 200, authorization: `Bearer ${token}`, userAgent: UA, accept: 'application/json' });
    expect(post!.contentType).toMatch(/^application\/json/);
  });

  it('leaves deploymentId undefined when the platform answers without one', async () => {
    const lms = await sim({ omitDeploymentId: true });
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const { registered } = await runDynamicRegistration(query, { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) });
    expect(registered.clientId).toBeTruthy();
    expect(registered.deploymentId).toBeUndefined();
    expect(registered).not.toHaveProperty('deploymentId');
  });

  it('a Canvas 422 {errors:[…]} is registration_rejected naming the status and the field, never repeating the body', async () => {
    const lms = await sim({
      mode: 'canvas',
      rejectRegistration: { status: 422, body: { errors: [{ field: 'redirect_uris', message: 'must be on the tool domain' }] } },
    });
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const err = await registrationError(runDynamicRegistration(query, { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) }));
    expect(err.code).toBe('registration_rejected');
    expect(err.status).toBe(422);
    expect(err.message).toBe('the LMS refused the registration (HTTP 422: field redirect_uris)');
    expect(err.field).toBe('redirect_uris');
    expect(err.platformBody).toBeUndefined();
  });

  it("surfaces the sim's own Canvas validation errors for a bad body", async () => {
    const lms = await sim({ mode: 'canvas' });
    const init = parseRegistrationInitiation(queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL })), {
      allowInsecureHosts: allow(lms),
    });
    const opts = { userAgent: UA, registrationToken: init.registrationToken!, allowInsecureHosts: allow(lms), allowPrivateHosts: allow(lms) };
    const config = await fetchPlatformConfiguration(init.openidConfigurationUrl, opts);
    const body = { ...buildRegistrationRequest(config, TOOL), client_name: '' };
    const err = await registrationError(registerTool(config, body, opts));
    expect(err).toMatchObject({ code: 'registration_rejected', status: 422, field: 'client_name' });
    expect(err.message).toContain('client_name');
  });

  it('an OIDC 400 {error, error_description} is registration_rejected naming the error code, not the free text', async () => {
    const lms = await sim({
      rejectRegistration: { status: 400, body: { error: 'invalid_client_metadata', error_description: 'jwks_uri is not reachable' } },
    });
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const err = await registrationError(runDynamicRegistration(query, { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) }));
    expect(err.code).toBe('registration_rejected');
    expect(err.status).toBe(400);
    expect(err.message).toBe('the LMS refused the registration (HTTP 400: invalid_client_metadata)');
    expect(err.message).not.toContain('jwks_uri is not reachable');
  });

  it('a used registration token is refused: config_unreachable 401 on the GET, registration_rejected 401 on the POST', async () => {
    const lms = await sim();
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const opts = { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) };
    await runDynamicRegistration(query, opts);

    // The token is single use: the sim now refuses it wherever it is sent.
    const getErr = await registrationError(runDynamicRegistration(query, opts));
    expect(getErr).toMatchObject({ code: 'config_unreachable', status: 401 });

    // Generic mode serves the configuration without a token, so reach the POST with the used one.
    const config = await fetchPlatformConfiguration(new URL(lms.endpoints.openidConfiguration), { userAgent: UA, allowInsecureHosts: allow(lms) });
    const token = query.get('registration_token')!;
    const postErr = await registrationError(
      registerTool(config, buildRegistrationRequest(config, TOOL), { userAgent: UA, registrationToken: token, allowPrivateHosts: allow(lms) }),
    );
    expect(postErr).toMatchObject({ code: 'registration_rejected', status: 401 });
    expect(postErr.message).toContain('invalid_token');
    expect(lms.registrations()).toHaveLength(1);
  });

  it('canvas: the configuration GET without a registration token is config_unreachable 401', async () => {
    const lms = await sim({ mode: 'canvas' });
    const err = await registrationError(fetchPlatformConfiguration(new URL(lms.endpoints.openidConfiguration), { userAgent: UA, allowInsecureHosts: allow(lms) }));
    expect(err).toMatchObject({ code: 'config_unreachable', status: 401 });
    expect(err.message).toBe('the LMS configuration URL answered HTTP 401');
    expect(err.platformBody).toBeUndefined();
  });

  it('rejects a configuration without the LTI platform configuration (sim override)', async () => {
    const lms = await sim({ openidConfigurationOverrides: { [LTI_PLATFORM_CONFIGURATION]: null } });
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const err = await registrationError(runDynamicRegistration(query, { tool: TOOL, userAgent: UA, allowInsecureHosts: allow(lms) }));
    expect(err).toMatchObject({ code: 'config_invalid', field: LTI_PLATFORM_CONFIGURATION });
    expect(lms.registrations()).toHaveLength(0);
  });

  it('refuses the sim over http when it is not allow-listed', async () => {
    const lms = await sim();
    const query = queryOf(lms.startRegistration({ toolRegistrationUrl: REGISTER_URL }));
    const err = await registrationError(runDynamicRegistration(query, { tool: TOOL, userAgent: UA }));
    expect(err).toMatchObject({ code: 'insecure_url', field: 'openid_configuration' });
    expect(lms.stats().openidConfigurationRequests).toBe(0);
  });
});

// ------------------------------------------------------------------ initiation

describe('parseRegistrationInitiation', () => {
  it('requires openid_configuration', async () => {
    for (const q of [new URLSearchParams(''), new URLSearchParams('openid_configuration='), { registration_token: 'x' }]) {
      const err = await registrationError(() => parseRegistrationInitiation(q));
      expect(err).toMatchObject({ code: 'registration_request_invalid', field: 'openid_configuration' });
    }
  });

  it('rejects values that are not absolute http(s) URLs, or carry credentials', async () => {
    for (const v of ['not a url', '/relative/path', 'ftp://lms.example/config', 'javascript:alert(1)', 'https://u:p@lms.example/c']) {
      const err = await registrationError(() => parseRegistrationInitiation({ openid_configuration: v }));
      expect(err.code).toBe('registration_request_invalid');
    }
  });

  it('requires https unless the host (hostname or host:port) is allow-listed', async () => {
    const err = await registrationError(() => parseRegistrationInitiation({ openid_configuration: 'http://lms.example/config' }));
    expect(err).toMatchObject({ code: 'insecure_url', field: 'openid_configuration' });
    expect(parseRegistrationInitiation({ openid_configuration: 'https://lms.example/config' }).openidConfigurationUrl.href).toBe('https://lms.example/config');
    const http = { openid_configuration: 'http://127.0.0.1:3100/.well-known/openid-configuration' };
    expect(parseRegistrationInitiation(http, { allowInsecureHosts: ['127.0.0.1:3100'] }).openidConfigurationUrl.port).toBe('3100');
    expect(parseRegistrationInitiation(http, { allowInsecureHosts: ['127.0.0.1'] }).openidConfigurationUrl.port).toBe('3100');
    expect((await registrationError(() => parseRegistrationInitiation(http, { allowInsecureHosts: ['127.0.0.1:3101'] }))).code).toBe('insecure_url');
  });

  it('reads the token from URLSearchParams or a plain record; empty means none', () => {
    const base = 'openid_configuration=https%3A%2F%2Flms.example%2Fc';
    expect(parseRegistrationInitiation(new URLSearchParams(`${base}&registration_token=abc.def`)).registrationToken).toBe('abc.def');
    expect(parseRegistrationInitiation(new URLSearchParams(`${base}&registration_token=`))).not.toHaveProperty('registrationToken');
    expect(parseRegistrationInitiation({ openid_configuration: 'https://lms.example/c', registration_token: undefined })).toEqual({
      openidConfigurationUrl: new URL('https://lms.example/c'),
    });
  });

  it('decodes a twice-encoded token once more, and only then', () => {
    const raw = 'q+8/Zx==';
    const twice = encodeURIComponent(encodeURIComponent(raw));
    expect(parseRegistrationInitiation(new URLSearchParams(`openid_configuration=https://l.example/c&registration_token=${twice}`)).registrationToken).toBe(raw);
    expect(parseRegistrationInitiation(new URLSearchParams(`openid_configuration=https://l.example/c&registration_token=${encodeURIComponent(raw)}`)).registrationToken).toBe(raw);
    expect(decodeRegistrationToken('eyJhbGciOi.x.y')).toBe('eyJhbGciOi.x.y');
    expect(decodeRegistrationToken('100%')).toBe('100%'); // no %XX sequence
    expect(decodeRegistrationToken('%E0%A4%A')).toBe('%E0%A4%A'); // malformed: kept as sent
    expect(decodeRegistrationToken('a%2Fb')).toBe('a/b');
    expect(decodeRegistrationToken('')).toBeUndefined();
  });
});

// ------------------------------------------------------------------ configuration fetch

describe('fetchPlatformConfiguration', () => {
  const opts = (s: { port: number }, extra: object = {}) => ({ userAgent: UA, allowInsecureHosts: allow(s), ...extra });

  it('GETs with Accept, User-Agent and Bearer, and normalises bare-string messages', async () => {
    let base = '';
    const srv = await localServer((_req, res) => sendJson(res, 200, platformConfig(base)));
    base = srv.url;
    const config = await fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv, { registrationToken: 'tok+/=' }));
    expect(srv.requests[0]).toMatchObject({ method: 'GET', url: '/config' });
    expect(srv.requests[0]!.headers).toMatchObject({ accept: 'application/json', 'user-agent': UA, authorization: 'Bearer tok+/=' });
    expect(config[LTI_PLATFORM_CONFIGURATION].messages_supported).toEqual([{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }]);
  });

  it('omits Authorization when there is no registration token', async () => {
    let base = '';
    const srv = await localServer((_req, res) => sendJson(res, 200, platformConfig(base)));
    base = srv.url;
    await fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv));
    expect(srv.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('a closed port and a platform that never answers read the same: config_unreachable, no socket detail', async () => {
    const port = await closedPort();
    const closed = await registrationError(fetchPlatformConfiguration(new URL(`http://127.0.0.1:${port}/config`), opts({ port })));
    const srv = await localServer(() => undefined);
    const started = Date.now();
    const silent = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv, { timeoutMs: 150 })));
    expect(Date.now() - started).toBeLessThan(2000);
    for (const err of [closed, silent]) {
      expect(err.code).toBe('config_unreachable');
      expect(err.message).toBe('the LMS configuration URL could not be read');
      expect(err.status).toBeUndefined();
    }
  });

  it('non-2xx is config_unreachable with the status only, never the body', async () => {
    const srv = await localServer((_req, res) => sendJson(res, 503, { error: 'down', secret: 'internal-admin-panel' }));
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv)));
    expect(err).toMatchObject({ code: 'config_unreachable', status: 503 });
    expect(err.message).toBe('the LMS configuration URL answered HTTP 503');
    expect(err.platformBody).toBeUndefined();
    expect(JSON.stringify(err.details)).not.toContain('internal-admin-panel');
  });

  it('a configuration URL on a private address is refused before any request (not allow-listed for it)', async () => {
    const srv = await localServer((_req, res) => sendJson(res, 200, {}));
    const err = await registrationError(fetchPlatformConfiguration(new URL('https://10.0.0.1/config'), { userAgent: UA }));
    expect(err.code).toBe('config_unreachable');
    expect(err.message).toContain('private or internal network address');
    expect(srv.requests).toHaveLength(0);
  });

  it('follows a same-host redirect, and keeps the token on it', async () => {
    let base = '';
    const srv = await localServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/new' });
        res.end();
      } else sendJson(res, 200, platformConfig(base));
    });
    base = srv.url;
    const config = await fetchPlatformConfiguration(new URL(`${srv.url}/old`), opts(srv, { registrationToken: 't' }));
    expect(config.issuer).toBe(srv.url);
    expect(srv.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/old', 'Bearer t'],
      ['/new', 'Bearer t'],
    ]);
  });

  it('refuses a redirect to another host without contacting it', async () => {
    let otherBase = '';
    const other = await localServer((_req, res) => sendJson(res, 200, platformConfig(otherBase)));
    otherBase = other.url;
    const srv = await localServer((_req, res) => {
      res.writeHead(302, { location: `${other.url}/config` });
      res.end();
    });
    const err = await registrationError(
      fetchPlatformConfiguration(new URL(`${srv.url}/config`), {
        userAgent: UA,
        registrationToken: 'secret',
        allowInsecureHosts: [...allow(srv), ...allow(other)],
      }),
    );
    expect(err).toMatchObject({ code: 'config_unreachable', status: 302 });
    expect(err.message).toContain('another host');
    expect(other.requests).toHaveLength(0); // the token never left for the other host
  });

  it('gives up after 3 redirects', async () => {
    const srv = await localServer((req, res) => {
      res.writeHead(301, { location: `${req.url}x` });
      res.end();
    });
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/r`), opts(srv)));
    expect(err.code).toBe('config_unreachable');
    expect(srv.requests).toHaveLength(4);
  });

  it('refuses a body over the size cap, announced or streamed', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    const announced = await localServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) });
      res.end(big);
    });
    const streamed = await localServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no Content-Length
      for (let i = 0; i < big.length; i += 16 * 1024) res.write(big.slice(i, i + 16 * 1024));
      res.end();
    });
    for (const srv of [announced, streamed]) {
      const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv)));
      expect(err.code).toBe('config_unreachable');
      expect(err.message).toContain('larger than 262144 bytes');
    }
    // The cap is configurable.
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${streamed.url}/config`), opts(streamed, { maxBytes: 1000 })));
    expect(err.message).toContain('larger than 1000 bytes');
  });

  it('a configuration missing registration_endpoint is config_invalid naming the field', async () => {
    let base = '';
    const srv = await localServer((_req, res) => sendJson(res, 200, platformConfig(base, { registration_endpoint: undefined })));
    base = srv.url;
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv)));
    expect(err).toMatchObject({ code: 'config_invalid', field: 'registration_endpoint' });
    expect(err.message).toBe('registration_endpoint is missing');
  });

  it('a body that is not JSON is config_invalid', async () => {
    const srv = await localServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv)));
    expect(err.code).toBe('config_invalid');
    expect(err.field).toBeUndefined();
    expect(err.message).toBe('the LMS configuration URL did not answer with JSON');
    expect(err.platformBody).toBeUndefined();
  });

  it('an issuer on another host is issuer_mismatch', async () => {
    let base = '';
    const srv = await localServer((_req, res) => sendJson(res, 200, platformConfig(base, { issuer: 'https://lms.attacker.example' })));
    base = srv.url;
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), opts(srv)));
    expect(err).toMatchObject({ code: 'issuer_mismatch', field: 'issuer' });
  });

  it('refuses an http URL that is not allow-listed before any request', async () => {
    const srv = await localServer((_req, res) => sendJson(res, 200, {}));
    const err = await registrationError(fetchPlatformConfiguration(new URL(`${srv.url}/config`), { userAgent: UA }));
    expect(err.code).toBe('insecure_url');
    expect(srv.requests).toHaveLength(0);
  });
});

// ------------------------------------------------------------------ configuration validation (pure)

describe('validatePlatformConfiguration', () => {
  const base = 'https://lms.example';
  const at = { configurationUrl: new URL(`${base}/.well-known/openid-configuration`) };
  const fails = async (json: unknown, code: RegistrationErrorCode, field?: string, o: object = {}) => {
    const err = await registrationError(() => validatePlatformConfiguration(json, { ...at, ...o }));
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
    return err;
  };

  it('accepts a valid configuration and keeps unknown members', () => {
    const cfg = validatePlatformConfiguration({ ...platformConfig(base), claims_supported: ['sub'] }, at);
    expect(cfg.issuer).toBe(base);
    expect(cfg.claims_supported).toEqual(['sub']);
  });

  it.each(['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint', LTI_PLATFORM_CONFIGURATION])('names a missing %s', async (field) => {
    await fails(platformConfig(base, { [field]: undefined }), 'config_invalid', field);
  });

  it('names invalid members, nested ones with their path', async () => {
    await fails(platformConfig(base, { jwks_uri: 'not a url' }), 'config_invalid', 'jwks_uri');
    await fails(platformConfig(base, { scopes_supported: 'openid' }), 'config_invalid', 'scopes_supported');
    const err = await fails(platformConfig(base, { [LTI_PLATFORM_CONFIGURATION]: { messages_supported: [] } }), 'config_invalid', LTI_PLATFORM_CONFIGURATION);
    expect(err.message).toBe(`${LTI_PLATFORM_CONFIGURATION}.product_family_code is missing`);
    const err2 = await fails(
      platformConfig(base, { [LTI_PLATFORM_CONFIGURATION]: { product_family_code: 'x', messages_supported: [{ placements: [] }] } }),
      'config_invalid',
      LTI_PLATFORM_CONFIGURATION,
    );
    expect(err2.message).toContain('messages_supported[0]');
    await fails([], 'config_invalid', undefined);
    await fails(null, 'config_invalid', undefined);
  });

  it('requires https endpoints unless allow-listed', async () => {
    await fails(platformConfig(base, { token_endpoint: 'http://lms.example/token' }), 'insecure_url', 'token_endpoint');
    await fails(platformConfig('http://lms.example'), 'insecure_url', 'issuer', { configurationUrl: new URL('http://lms.example/c') });
    expect(
      validatePlatformConfiguration(platformConfig('http://lms.example'), {
        configurationUrl: new URL('http://lms.example/c'),
        allowInsecureHosts: ['lms.example'],
      }).issuer,
    ).toBe('http://lms.example');
  });

  it('matches the issuer to the configuration host by hostname', async () => {
    await fails(platformConfig('https://other.example'), 'issuer_mismatch', 'issuer');
    await fails(platformConfig('https://sub.lms.example'), 'issuer_mismatch', 'issuer');
    // Same host, different path (Moodle sites under a path) is fine.
    expect(validatePlatformConfiguration(platformConfig('https://lms.example/moodle'), at).issuer).toBe('https://lms.example/moodle');
  });

  it('rejects an issuer with a query or fragment', async () => {
    await fails(platformConfig('https://lms.example/?tenant=1'), 'config_invalid', 'issuer');
  });

  it('rejects a platform that cannot take signed client assertions or RS256 id_tokens', async () => {
    await fails(platformConfig(base, { token_endpoint_auth_methods_supported: ['client_secret_basic'] }), 'config_invalid', 'token_endpoint_auth_methods_supported');
    await fails(platformConfig(base, { id_token_signing_alg_values_supported: ['ES256'] }), 'config_invalid', 'id_token_signing_alg_values_supported');
    // Absent lists say nothing and are accepted.
    const lean = platformConfig(base, { token_endpoint_auth_methods_supported: undefined, id_token_signing_alg_values_supported: undefined });
    expect(validatePlatformConfiguration(lean, at).issuer).toBe(base);
  });
});

// ------------------------------------------------------------------ registration body (R59)

describe('buildRegistrationRequest', () => {
  const base = 'https://lms.example';
  const config = (overrides: Record<string, unknown> = {}): PlatformConfiguration =>
    validatePlatformConfiguration(platformConfig(base, overrides), { configurationUrl: new URL(`${base}/c`) });

  it('sends every required member, agreeing with the discovery document', () => {
    const body = buildRegistrationRequest(config({ scopes_supported: undefined }), { ...TOOL, logoUri: 'https://tether.example/logo.png', contacts: ['ops@tether.example'] });
    const doc = toolDiscoveryDocument(TOOL.publicUrl, TOOL.clientName);
    expect(body).toMatchObject({
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: doc.initiate_login_uri,
      redirect_uris: doc.redirect_uris,
      client_name: 'Tether',
      jwks_uri: doc.jwks_uri,
      token_endpoint_auth_method: 'private_key_jwt',
      logo_uri: 'https://tether.example/logo.png',
      contacts: ['ops@tether.example'],
    });
    expect(body.initiate_login_uri).toBe('https://tether.example/lti/login');
    expect(body.redirect_uris).toEqual(['https://tether.example/lti/launch']);
    expect(body.jwks_uri).toBe('https://tether.example/.well-known/jwks.json');
    // No scopes_supported: ask for everything the tool uses.
    expect(body.scope.split(' ')).toEqual([...TOOL_SCOPES]);
    expect(body.scope).toBe(doc.scope);
    expect(body[LTI_TOOL_CONFIGURATION]).toEqual(doc[LTI_TOOL_CONFIGURATION]);
    expect(body[LTI_TOOL_CONFIGURATION]).toMatchObject({
      domain: 'tether.example',
      target_link_uri: 'https://tether.example/lti/launch',
      claims: expect.arrayContaining(['sub', 'iss']),
    });
    expect(body[LTI_TOOL_CONFIGURATION].messages.map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
    expect(JSON.parse(JSON.stringify(body))).toEqual(body); // plain JSON
  });

  it('intersects scope with scopes_supported', () => {
    const body = buildRegistrationRequest(config({ scopes_supported: ['openid', AGS_SCOPE.score, NRPS_SCOPE, AGS_SCOPE.lineItemReadonly] }), TOOL);
    expect(body.scope).toBe(`${AGS_SCOPE.score} ${NRPS_SCOPE}`);
    expect(buildRegistrationRequest(config({ scopes_supported: ['openid'] }), TOOL).scope).toBe('');
  });

  it('offers only the message types the platform lists, when it lists any', () => {
    const only = (messages_supported: unknown[]) =>
      buildRegistrationRequest(config({ [LTI_PLATFORM_CONFIGURATION]: { product_family_code: 'x', messages_supported } }), TOOL)[LTI_TOOL_CONFIGURATION].messages.map(
        (m) => m.type,
      );
    expect(only(['LtiResourceLinkRequest'])).toEqual(['LtiResourceLinkRequest']);
    expect(only([{ type: 'LtiResourceLinkRequest' }, { type: 'LtiSubmissionReviewRequest' }])).toEqual(['LtiResourceLinkRequest']);
    expect(only([])).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
  });

  it('adds the Canvas privacy level inside the tool configuration, for Canvas only', () => {
    const canvas = buildRegistrationRequest(config({ [LTI_PLATFORM_CONFIGURATION]: { product_family_code: 'canvas', messages_supported: [] } }), TOOL);
    expect(canvas[LTI_TOOL_CONFIGURATION][CANVAS_PRIVACY_LEVEL]).toBe('public');
    expect(canvas).not.toHaveProperty(CANVAS_PRIVACY_LEVEL);
    expect(buildRegistrationRequest(config(), TOOL)[LTI_TOOL_CONFIGURATION]).not.toHaveProperty(CANVAS_PRIVACY_LEVEL);
  });

  it('is pure: the configuration is not modified and equal inputs give equal bodies', () => {
    const cfg = config();
    const before = JSON.stringify(cfg);
    expect(buildRegistrationRequest(cfg, TOOL)).toEqual(buildRegistrationRequest(cfg, TOOL));
    expect(JSON.stringify(cfg)).toBe(before);
  });
});

// ------------------------------------------------------------------ registration POST (local server)

describe('registerTool', () => {
  async function platform(answer: (res: ServerResponse) => void) {
    let base = '';
    const srv = await localServer((req, res) => (req.method === 'GET' ? sendJson(res, 200, platformConfig(base)) : answer(res)));
    base = srv.url;
    const config = await fetchPlatformConfiguration(new URL(`${srv.url}/config`), { userAgent: UA, allowInsecureHosts: allow(srv) });
    return { srv, config, body: buildRegistrationRequest(config, TOOL) };
  }

  it('accepts 201, numeric ids, and reads the granted scope', async () => {
    const { srv, config, body } = await platform((res) => sendJson(res, 201, { client_id: 42, scope: AGS_SCOPE.score, [LTI_TOOL_CONFIGURATION]: { deployment_id: 7 } }));
    const reg = await registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv), registrationToken: 'rt' });
    expect(reg).toMatchObject({ clientId: '42', deploymentId: '7', scopes: [AGS_SCOPE.score], productFamily: 'moodle', productVersion: '4.3' });
    const post = srv.requests.find((r) => r.method === 'POST')!;
    expect(post.headers).toMatchObject({ authorization: 'Bearer rt', 'content-type': 'application/json', accept: 'application/json', 'user-agent': UA });
  });

  it('an answer without client_id is registration_response_invalid', async () => {
    const { srv, config, body } = await platform((res) => sendJson(res, 200, { [LTI_TOOL_CONFIGURATION]: { deployment_id: '1' } }));
    const err = await registrationError(registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv) }));
    expect(err).toMatchObject({ code: 'registration_response_invalid', field: 'client_id', status: 200 });
  });

  it('an answer that is not JSON is registration_response_invalid', async () => {
    const { srv, config, body } = await platform((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    expect((await registrationError(registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv) }))).code).toBe('registration_response_invalid');
  });

  it('treats a blank deployment_id as absent', async () => {
    const { srv, config, body } = await platform((res) => sendJson(res, 200, { client_id: 'c', [LTI_TOOL_CONFIGURATION]: { deployment_id: '' } }));
    expect((await registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv) })).deploymentId).toBeUndefined();
  });

  it('an HTML 500 is registration_rejected with a status message', async () => {
    const { srv, config, body } = await platform((res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>oops</h1>');
    });
    const err = await registrationError(registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv) }));
    expect(err).toMatchObject({ code: 'registration_rejected', status: 500 });
    expect(err.message).toBe('the LMS refused the registration (HTTP 500)');
    expect(err.platformBody).toBeUndefined();
  });

  it('a redirect is not followed (the token would go elsewhere)', async () => {
    const { srv, config, body } = await platform((res) => {
      res.writeHead(307, { location: 'https://elsewhere.example/register' });
      res.end();
    });
    const err = await registrationError(registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv), registrationToken: 't' }));
    expect(err).toMatchObject({ code: 'registration_rejected', status: 307 });
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('an unreachable registration endpoint is registration_unreachable, in words without socket detail', async () => {
    const { srv, config, body } = await platform(() => undefined); // never answers
    const err = await registrationError(registerTool(config, body, { userAgent: UA, allowPrivateHosts: allow(srv), timeoutMs: 150 }));
    expect(err.code).toBe('registration_unreachable');
    expect(err.message).toBe('the LMS registration endpoint could not be reached');
  });

  it('a registration endpoint on a private address is refused before any POST', async () => {
    const { srv, config, body } = await platform(() => undefined);
    const err = await registrationError(registerTool(config, body, { userAgent: UA }));
    expect(err).toMatchObject({ code: 'registration_unreachable', field: 'registration_endpoint' });
    expect(err.message).toContain('private or internal network address');
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

// ------------------------------------------------------------------ platform error messages

describe('summarisePlatformError', () => {
  it('reads OIDC, Canvas array/string/Rails shapes, and falls back to the status', () => {
    expect(summarisePlatformError(400, JSON.stringify({ error: 'invalid_redirect_uri', error_description: 'bad' }))).toEqual({
      message: 'invalid_redirect_uri: bad',
    });
    expect(summarisePlatformError(400, JSON.stringify({ error: 'invalid_client_metadata' }))).toEqual({ message: 'invalid_client_metadata' });
    expect(summarisePlatformError(422, JSON.stringify({ errors: [{ field: 'scope', message: 'bad scope' }, { message: 'also' }] }))).toEqual({
      message: 'scope: bad scope; also',
      field: 'scope',
    });
    expect(summarisePlatformError(422, JSON.stringify({ errors: ['redirect uri invalid'] }))).toEqual({ message: 'redirect uri invalid' });
    expect(summarisePlatformError(422, JSON.stringify({ errors: { client_name: ["can't be blank"] } }))).toEqual({
      message: "client_name: can't be blank",
      field: 'client_name',
    });
    expect(summarisePlatformError(502, '<html/>')).toEqual({ message: 'the platform answered HTTP 502' });
    expect(summarisePlatformError(500, JSON.stringify({ errors: [] }))).toEqual({ message: 'the platform answered HTTP 500' });
  });
});

// ------------------------------------------------------------------ errors and close page

describe('registration errors', () => {
  it('keeps the field at fault, the platform status and body', () => {
    const err = new RegistrationError('config_invalid', 'm', { field: 'issuer', status: 200, platformBody: '{}', cause: new Error('c') });
    expect(err).toMatchObject({
      name: 'RegistrationError',
      code: 'config_invalid',
      field: 'issuer',
      status: 200,
      platformBody: '{}',
      details: { field: 'issuer', platformBody: '{}' },
    });
    expect(new RegistrationError('registration_unreachable', 'm')).toMatchObject({ field: undefined, platformBody: undefined, status: undefined, details: {} });
  });

  it('truncates the platform body to 2 KiB', () => {
    const err = new RegistrationError('registration_rejected', 'm', { status: 422, platformBody: 'é'.repeat(3000) });
    expect(new TextEncoder().encode(err.platformBody!).byteLength).toBeLessThanOrEqual(2048 + 3);
    expect(err.platformBody!.endsWith('…')).toBe(true);
    expect(err.platformBody!).not.toContain('\uFFFD');
  });
});

describe('registrationClosePageScript', () => {
  type Posted = { to: string; message: unknown; origin: string };
  const frame = (name: string, posted: Posted[]) => ({ postMessage: (message: unknown, origin: string) => posted.push({ to: name, message, origin }) });
  const run = (win: Record<string, unknown>) => runInNewContext(registrationClosePageScript(), { window: win });

  it('posts the close message to the opener and the parent', () => {
    const posted: Posted[] = [];
    const win: Record<string, unknown> = {};
    win.opener = frame('opener', posted);
    win.parent = frame('parent', posted);
    run(win);
    expect(posted).toEqual([
      { to: 'opener', message: { subject: 'org.imsglobal.lti.close' }, origin: '*' },
      { to: 'parent', message: { subject: 'org.imsglobal.lti.close' }, origin: '*' },
    ]);
  });

  it('survives a null opener, a top-level parent and a throwing target', () => {
    const posted: Posted[] = [];
    const win: Record<string, unknown> = { opener: null };
    win.parent = win; // top-level page
    expect(() => run(win)).not.toThrow();
    const win2: Record<string, unknown> = {
      opener: {
        postMessage: () => {
          throw new Error('closed');
        },
      },
      parent: frame('parent', posted),
    };
    expect(() => run(win2)).not.toThrow();
    expect(posted.map((p) => p.to)).toEqual(['parent']);
  });

  it('posts once when opener and parent are the same window', () => {
    const posted: Posted[] = [];
    const same = frame('same', posted);
    run({ opener: same, parent: same });
    expect(posted).toHaveLength(1);
  });
});
