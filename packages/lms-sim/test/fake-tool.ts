/**
 * A deliberately tiny LTI *tool* used to drive the simulator in tests: an OIDC login endpoint
 * that redirects to the platform, a launch endpoint that records the form post, a JWKS, and
 * helpers to sign client assertions / deep-linking responses with its key.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

interface LoginRecord {
  method: string;
  params: Record<string, string>;
  state: string;
  nonce: string;
}

interface LaunchRecord {
  fields: Record<string, string>;
  cookie: string | undefined;
}

export interface FakeTool {
  url: string;
  loginUrl: string;
  launchUrl: string;
  jwksUrl: string;
  registrationUrl: string;
  kid: string;
  logins: LoginRecord[];
  launches: LaunchRecord[];
  jwksHits: number;
  /** Where the login endpoint sends the browser (the platform auth endpoint). */
  authEndpoint: string;
  /** Tweak the auth request: return params (add/remove/replace). */
  authParams: (p: Record<string, string>) => Record<string, string>;
  /** Make a client assertion; `claims`/`header` override defaults. */
  assertion(opts: { clientId: string; aud: string | string[]; claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey }): Promise<string>;
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// One key pair per test worker: RSA generation dominates test time otherwise.
let toolKeys: Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string }> | undefined;

export async function startFakeTool(): Promise<FakeTool> {
  toolKeys ??= generateKeyPair('RS256', { extractable: true }).then((k) => ({ ...k, kid: `tool-${randomUUID().slice(0, 8)}` }));
  const { privateKey, publicKey, kid } = await toolKeys;
  const pub = await exportJWK(publicKey);
  const jwk: JWK = { kty: pub.kty, n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' };

  const tool = {
    logins: [] as LoginRecord[],
    launches: [] as LaunchRecord[],
    jwksHits: 0,
    authEndpoint: '',
    authParams: (p: Record<string, string>) => p,
  } as unknown as FakeTool;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', tool.url);
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (url.pathname === '/jwks') {
      tool.jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (url.pathname === '/login') {
      const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(body) : url.searchParams);
      const state = randomUUID();
      const nonce = randomUUID();
      tool.logins.push({ method: req.method ?? 'GET', params, state, nonce });
      const auth = new URL(tool.authEndpoint);
      const p: Record<string, string> = {
        scope: 'openid',
        response_type: 'id_token',
        response_mode: 'form_post',
        prompt: 'none',
        client_id: params.client_id ?? '',
        redirect_uri: tool.launchUrl,
        login_hint: params.login_hint ?? '',
        state,
        nonce,
      };
      if (params.lti_message_hint) p.lti_message_hint = params.lti_message_hint;
      for (const [k, v] of Object.entries(tool.authParams(p))) auth.searchParams.set(k, v);
      res
        .writeHead(302, {
          location: auth.toString(),
          'set-cookie': `lti_state=${state}; Path=/; HttpOnly; Secure; SameSite=None`,
        })
        .end();
      return;
    }
    if (url.pathname === '/launch' && req.method === 'POST') {
      tool.launches.push({ fields: Object.fromEntries(new URLSearchParams(body)), cookie: req.headers.cookie });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('launched');
      return;
    }
    if (url.pathname === '/register') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('registration page');
      return;
    }
    res.writeHead(404).end('not found');
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  Object.assign(tool, {
    url: base,
    loginUrl: `${base}/login`,
    launchUrl: `${base}/launch`,
    jwksUrl: `${base}/jwks`,
    registrationUrl: `${base}/register`,
    kid,
    async sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...header }).sign(privateKey);
    },
    async assertion(opts: { clientId: string; aud: string | string[]; claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey }) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: opts.clientId,
        sub: opts.clientId,
        aud: opts.aud,
        iat: now,
        exp: now + 300,
        jti: randomUUID(),
        ...opts.claims,
      };
      for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...opts.header }).sign(opts.key ?? privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return tool;
}
