// Test support shared by every package that talks HTTP: real local servers, a fetch tap, a
// signing key published as a JWKS. Test-runner agnostic: everything that opens something
// returns `close`, and `closeAfterEach` closes it all through the runner's own hook.
import { generateKeyPair, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { promisify } from 'node:util';

/** Things to close after each test. */
export interface CloseList {
  /** Remembers `thing.close` and hands `thing` back. */
  track<T extends { close(): Promise<void> }>(thing: T): T;
}

/**
 * Closes everything tracked (concurrently) after each test. Takes the test runner's hook
 * (vitest's `afterEach`) so this module stays runner-agnostic.
 */
export function closeAfterEach(afterEach: (hook: () => Promise<void>) => void): CloseList {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((close) => close()));
  });
  return {
    track(thing) {
      open.push(() => thing.close());
      return thing;
    },
  };
}

/** A request as the test server received it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers a request; the request body has already been read into `body`. */
export type TestRequestHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface TestServer {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  /** Closes the server and drops open connections (a handler that never answers must not hang the test). */
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with an OS-assigned port; `handler` answers every request. */
export async function startServer(handler: TestRequestHandler): Promise<TestServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url, seen, close };
}

/**
 * What a test reads off a rejection. Loose on purpose: each error class carries its own
 * details, and a test asserts on the ones it expects.
 */
export interface Rejection {
  name: string;
  message: string;
  code?: string;
  status?: number;
  retryable?: boolean;
  cause?: unknown;
  // biome-ignore lint/suspicious/noExplicitAny: details differ per error class; tests index into them freely
  details: Record<string, any>;
}

/** The rejection of `p` as a value; throws if `p` resolves. */
export async function rejection(p: Promise<unknown>): Promise<Rejection> {
  try {
    await p;
  } catch (err) {
    return err as Rejection;
  }
  throw new Error('expected the promise to reject');
}

/** Wraps fetch so a test can see every request, and optionally rewrite the answer. */
export function tapFetch(onRequest: (url: string, init: RequestInit | undefined) => void, rewrite?: (url: string, res: Response) => Promise<Response>): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    onRequest(url, init);
    const res = await fetch(input, init);
    return rewrite ? rewrite(url, res) : res;
  }) as typeof fetch;
}

/** A copy of a JSON answer with its body edited (same status). */
export async function rewriteJson(res: Response, edit: (body: Record<string, unknown>) => void): Promise<Response> {
  const body = (await res.json()) as Record<string, unknown>;
  edit(body);
  return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } });
}

export interface TestSigningKey {
  kid: string;
  /** RS256 private key (a Node KeyObject, which jose signs with). */
  key: KeyObject;
  /** The public half as published in a JWKS: `kty, n, e, kid, alg, use`. */
  publicJwk: JsonWebKey;
}

// One RSA key per module instance (vitest: per test file): key generation dominates otherwise.
let signingKey: Promise<TestSigningKey> | undefined;

/**
 * A test RS256 signing key, the same on every call. Its shape `{ kid, key }` is what the
 * `signer` options of the LTI service clients return.
 */
export function testSigningKey(): Promise<TestSigningKey> {
  signingKey ??= (async () => {
    const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const kid = `tool-${randomUUID().slice(0, 8)}`;
    const { kty, n, e } = publicKey.export({ format: 'jwk' });
    return { kid, key: privateKey, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } };
  })();
  return signingKey;
}

/** Serves `{ keys }` at `/jwks` (404 elsewhere), as a tool or platform publishes its key set. */
export async function startJwksServer(keys: JsonWebKey[]): Promise<TestServer & { jwksUrl: string }> {
  const server = await startServer((req, res) => {
    if (req.url === '/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    else res.writeHead(404).end();
  });
  return { ...server, jwksUrl: `${server.url}/jwks` };
}

/** A TCP port free on 127.0.0.1 right now, for a child process that must be told its port up front. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
