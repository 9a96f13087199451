/**
 * Test harness: a tool JWKS served over real HTTP, an lms-sim with the tool registered, and
 * factories for the token provider and AGS client under test.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLmsSim, type LmsSim, type LmsSimOptions } from '@tether/lms-sim';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterEach } from 'vitest';
import {
  AGS_SCOPES,
  createAgsClient,
  createServiceTokenProvider,
  type AgsClient,
  type AgsClientOptions,
  type ServiceTokenProvider,
  type ServiceTokenProviderOptions,
} from '../src/index.js';

export const UA = 'tether-ags-test/1.0 (+https://tether.example)';
export const ALL_AGS = [AGS_SCOPES.lineItem, AGS_SCOPES.lineItemReadonly, AGS_SCOPES.resultReadonly, AGS_SCOPES.score];

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

export function onCleanup(close: () => Promise<void>): void {
  open.push(close);
}

// One RSA key per test file: key generation dominates otherwise.
let keys: Promise<{ privateKey: CryptoKey; jwk: JWK; kid: string }> | undefined;
export function toolKey(): Promise<{ privateKey: CryptoKey; jwk: JWK; kid: string }> {
  keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `tool-${randomUUID().slice(0, 8)}`;
    const pub = await exportJWK(publicKey);
    return { privateKey, kid, jwk: { kty: pub.kty, n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' } };
  })();
  return keys;
}

export const signer = async (): Promise<{ kid: string; key: CryptoKey }> => {
  const { kid, privateKey } = await toolKey();
  return { kid, key: privateKey };
};

/** A tiny HTTP server; `handler` answers every request. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  onCleanup(close);
  return { url, close };
}

export async function startToolJwks(): Promise<{ url: string; jwksUrl: string }> {
  const { jwk } = await toolKey();
  const srv = await startServer((req, res) => {
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  return { url: srv.url, jwksUrl: `${srv.url}/jwks` };
}

export interface Harness {
  sim: LmsSim;
  jwksUrl: string;
  /** Registers another client_id (same tool JWKS) on the sim. */
  registerClient(clientId: string, scopes?: string[]): void;
  provider(overrides?: Partial<ServiceTokenProviderOptions>): ServiceTokenProvider;
  client(overrides?: Partial<AgsClientOptions> & { provider?: Partial<ServiceTokenProviderOptions> }): {
    ags: AgsClient;
    tokens: ServiceTokenProvider;
  };
}

export async function setup(opts: LmsSimOptions = {}): Promise<Harness> {
  const sim = await startLmsSim(opts);
  onCleanup(() => sim.close());
  const tool = await startToolJwks();
  const registerClient = (clientId: string, scopes?: string[]): void => {
    sim.registerTool({
      clientId,
      loginUrl: `${tool.url}/login`,
      redirectUris: [`${tool.url}/launch`],
      jwksUrl: tool.jwksUrl,
      ...(scopes && { scopes }),
    });
  };
  registerClient(sim.clientId);
  const provider = (overrides: Partial<ServiceTokenProviderOptions> = {}): ServiceTokenProvider =>
    createServiceTokenProvider({
      clientId: sim.clientId,
      tokenUrl: sim.endpoints.token,
      deploymentId: sim.deploymentId,
      signer,
      userAgent: UA,
      ...overrides,
    });
  const client: Harness['client'] = (overrides = {}) => {
    const { provider: providerOverrides, ...clientOverrides } = overrides;
    const tokens = clientOverrides.tokens ?? provider(providerOverrides);
    const ags = createAgsClient({ grantedScopes: ALL_AGS, userAgent: UA, ...clientOverrides, tokens });
    return { ags, tokens };
  };
  return { sim, jwksUrl: tool.jwksUrl, registerClient, provider, client };
}

export function score(userId: string, overrides: Record<string, unknown> = {}) {
  return {
    userId,
    scoreGiven: 8,
    scoreMaximum: 10,
    activityProgress: 'Completed' as const,
    gradingProgress: 'FullyGraded' as const,
    ...overrides,
  };
}

/** Rejection of `p` as a value, to assert on code/status/details. */
export async function rejection(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p;
  } catch (err) {
    return err as Record<string, any>;
  }
  throw new Error('expected the promise to reject');
}

/** Wraps fetch so a test can see or rewrite token-endpoint traffic. */
export function tapFetch(
  onRequest: (url: string, init: RequestInit | undefined) => void,
  rewrite?: (url: string, res: Response) => Promise<Response>,
): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    onRequest(url, init);
    const res = await fetch(input, init);
    return rewrite ? rewrite(url, res) : res;
  }) as typeof fetch;
}

/** Rewrites a JSON token response. */
export async function rewriteJson(res: Response, edit: (body: Record<string, unknown>) => void): Promise<Response> {
  const body = (await res.json()) as Record<string, unknown>;
  edit(body);
  return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } });
}
