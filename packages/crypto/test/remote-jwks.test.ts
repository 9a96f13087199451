import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CryptoKey, importJWK, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJwksResolver, fetchJwksDocument, type GeneratedToolKey, generateToolKey, type RemoteJwksOptions, signJwt, verifyJwt } from '../src/index.js';
import { rejection } from './helpers/fixtures.js';
import { sendJson, startServer, type TestServer } from './helpers/http-server.js';

const UA = 'tether-test/1.0 (+https://tether.example)';
// The test platforms listen on 127.0.0.1: allowed by name, as TETHER_DEV_INSECURE_HOSTS does.
const LOCAL = ['127.0.0.1'];

let keyA: GeneratedToolKey;
let keyB: GeneratedToolKey;
beforeAll(async () => {
  [keyA, keyB] = await Promise.all([generateToolKey(), generateToolKey()]);
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>) {
  const server = await startServer(handler);
  servers.push(server);
  return { server, url: `${server.origin}/jwks` };
}

/** A platform JWKS endpoint whose keys and headers the test can change. */
async function platform(initial: JWK[], headers: Record<string, string> = {}) {
  const state = { keys: initial, headers, delayMs: 0 };
  const { server, url } = await serve(async (_req, res) => {
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
    sendJson(res, { keys: state.keys }, state.headers);
  });
  return { server, url, state, fetches: () => server.requests.length };
}

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function resolver(extra: Partial<RemoteJwksOptions> = {}) {
  return createRemoteJwksResolver({ userAgent: UA, allowPrivateHosts: LOCAL, ...extra });
}

describe('createRemoteJwksResolver', () => {
  it('fetches once and then answers from cache', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    const first = await r.getKey(p.url, keyA.kid, 'RS256');
    expect(first).toMatchObject({ fromCache: false, refetched: false });
    const second = await r.getKey(p.url, keyA.kid, 'RS256');
    expect(second).toMatchObject({ fromCache: true, refetched: false });
    expect(second.key).toBe(first.key); // imported once
    expect(p.fetches()).toBe(1);
    expect(r.stats()).toMatchObject({ fetches: 1, cacheHits: 1, cachedUrls: 1 });
  });

  it('sends User-Agent and Accept: application/json', async () => {
    const p = await platform([keyA.publicJwk]);
    await resolver().getKey(p.url, keyA.kid, 'RS256');
    expect(p.server.requests[0]!.headers['user-agent']).toBe(UA);
    expect(p.server.requests[0]!.headers.accept).toBe('application/json');
    expect(p.server.requests[0]!.method).toBe('GET');
  });

  it('verifies a platform-signed JWT end to end', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    const key = (await importJWK(keyA.privateJwk, 'RS256')) as CryptoKey;
    const token = await signJwt({ iss: 'https://lms', aud: 'tool' }, { key, kid: keyA.kid, expiresInSec: 60 });
    const { payload } = await verifyJwt(token, async ({ kid, alg }) => (await r.getKey(p.url, kid, alg)).key, {
      issuer: 'https://lms',
      audience: 'tool',
    });
    expect(payload.iss).toBe('https://lms');
  });

  it('honours Cache-Control max-age with a fake clock', async () => {
    const p = await platform([keyA.publicJwk], { 'cache-control': 'public, max-age=120' });
    const c = fakeClock();
    const r = resolver({ now: c.now });
    await r.getKey(p.url, keyA.kid, 'RS256');
    c.advance(119_000);
    expect((await r.getKey(p.url, keyA.kid, 'RS256')).fromCache).toBe(true);
    expect(p.fetches()).toBe(1);
    c.advance(1_000);
    expect((await r.getKey(p.url, keyA.kid, 'RS256')).fromCache).toBe(false);
    expect(p.fetches()).toBe(2);
  });

  it('clamps max-age to [minTtl, maxTtl] and treats no-store as minTtl', async () => {
    const c = fakeClock();
    const r = resolver({ now: c.now, minTtlMs: 60_000, maxTtlMs: 3_600_000 });

    const short = await platform([keyA.publicJwk], { 'cache-control': 'max-age=5' });
    await r.getKey(short.url, keyA.kid, 'RS256');
    const long = await platform([keyA.publicJwk], { 'cache-control': 'max-age=999999' });
    await r.getKey(long.url, keyA.kid, 'RS256');
    const noStore = await platform([keyA.publicJwk], { 'cache-control': 'no-store' });
    await r.getKey(noStore.url, keyA.kid, 'RS256');
    const none = await platform([keyA.publicJwk]);
    await r.getKey(none.url, keyA.kid, 'RS256');

    c.advance(59_000); // all still cached (5 s was raised to 60 s)
    for (const p of [short, long, noStore, none]) await r.getKey(p.url, keyA.kid, 'RS256');
    expect([short, long, noStore, none].map((p) => p.fetches())).toEqual([1, 1, 1, 1]);

    c.advance(2_000); // past minTtl: short and no-store refetch; default (10 min) and long do not
    for (const p of [short, long, noStore, none]) await r.getKey(p.url, keyA.kid, 'RS256');
    expect([short, long, noStore, none].map((p) => p.fetches())).toEqual([2, 1, 2, 1]);

    c.advance(600_000); // past the 10 min default
    for (const p of [short, long, noStore, none]) await r.getKey(p.url, keyA.kid, 'RS256');
    expect(none.fetches()).toBe(2);
    expect(long.fetches()).toBe(1);

    c.advance(3_000_000); // past maxTtl (1 h): long is clamped
    await r.getKey(long.url, keyA.kid, 'RS256');
    expect(long.fetches()).toBe(2);
  });

  it('refetches exactly once on an unknown kid, then answers kid_not_found', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    await r.getKey(p.url, keyA.kid, 'RS256');
    const err = await rejection(r.getKey(p.url, 'unknown-kid', 'RS256'));
    expect(err.code).toBe('kid_not_found');
    expect(err.details).toMatchObject({ kid: 'unknown-kid', url: p.url, negativeCache: false });
    expect(p.fetches()).toBe(2);
    expect(r.stats().refetches).toBe(1);
  });

  it('does not fetch twice when the kid is missing from a set it just fetched', async () => {
    const p = await platform([keyA.publicJwk]);
    expect((await rejection(resolver().getKey(p.url, 'unknown-kid', 'RS256'))).code).toBe('kid_not_found');
    expect(p.fetches()).toBe(1);
  });

  it('picks up a platform key rotation with the refetch', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    await r.getKey(p.url, keyA.kid, 'RS256');
    p.state.keys = [keyB.publicJwk];
    const rotated = await r.getKey(p.url, keyB.kid, 'RS256');
    expect(rotated).toMatchObject({ refetched: true, fromCache: false });
    expect(p.fetches()).toBe(2);
    // The new set replaced the old one: A is now unknown.
    expect((await r.getKey(p.url, keyB.kid, 'RS256')).fromCache).toBe(true);
  });

  it('negative-caches an unknown kid for negativeTtlMs', async () => {
    const p = await platform([keyA.publicJwk]);
    const c = fakeClock();
    const r = resolver({ now: c.now, negativeTtlMs: 20_000 });
    await r.getKey(p.url, keyA.kid, 'RS256');
    await rejection(r.getKey(p.url, 'bad', 'RS256'));
    expect(p.fetches()).toBe(2);

    for (let i = 0; i < 5; i++) {
      const err = await rejection(r.getKey(p.url, 'bad', 'RS256'));
      expect(err.code).toBe('kid_not_found');
      expect(err.details).toMatchObject({ negativeCache: true });
    }
    c.advance(19_999);
    await rejection(r.getKey(p.url, 'bad', 'RS256'));
    expect(p.fetches()).toBe(2);
    expect(r.stats().negativeHits).toBe(6);

    c.advance(2);
    await rejection(r.getKey(p.url, 'bad', 'RS256'));
    expect(p.fetches()).toBe(3);
  });

  it('a kid that appears later is served once the cached set expires, despite a negative entry', async () => {
    const p = await platform([keyA.publicJwk], { 'cache-control': 'max-age=60' });
    const c = fakeClock();
    const r = resolver({ now: c.now, negativeTtlMs: 300_000 });
    await r.getKey(p.url, keyA.kid, 'RS256');
    await rejection(r.getKey(p.url, keyB.kid, 'RS256'));
    p.state.keys = [keyA.publicJwk, keyB.publicJwk];
    c.advance(30_000); // set still fresh: the negative entry answers
    expect((await rejection(r.getKey(p.url, keyB.kid, 'RS256'))).details).toMatchObject({ negativeCache: true });
    expect(p.fetches()).toBe(2);
    c.advance(31_000); // set expired: the normal refresh finds the new key
    expect((await r.getKey(p.url, keyB.kid, 'RS256')).fromCache).toBe(false);
    expect(p.fetches()).toBe(3);
    expect((await r.getKey(p.url, keyB.kid, 'RS256')).fromCache).toBe(true);
  });

  it('invalidate() also forgets unknown kids for that URL', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    await r.getKey(p.url, keyA.kid, 'RS256');
    await rejection(r.getKey(p.url, keyB.kid, 'RS256'));
    expect(r.stats().negativeEntries).toBe(1);
    p.state.keys = [keyA.publicJwk, keyB.publicJwk];
    r.invalidate(p.url);
    expect(r.stats().negativeEntries).toBe(0);
    expect((await r.getKey(p.url, keyB.kid, 'RS256')).fromCache).toBe(false);
  });

  it('optionally rate-limits refetches for distinct unknown kids', async () => {
    const p = await platform([keyA.publicJwk]);
    const c = fakeClock();
    const r = resolver({ now: c.now, refetchCooldownMs: 10_000 });
    await r.getKey(p.url, keyA.kid, 'RS256');
    for (let i = 0; i < 5; i++) await rejection(r.getKey(p.url, `bad-${i}`, 'RS256'));
    expect(p.fetches()).toBe(1);
    c.advance(10_000);
    await rejection(r.getKey(p.url, 'bad-next', 'RS256'));
    expect(p.fetches()).toBe(2);
  });

  it('concurrent calls for one URL share a single fetch', async () => {
    const p = await platform([keyA.publicJwk, keyB.publicJwk]);
    p.state.delayMs = 100;
    const r = resolver();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => r.getKey(p.url, i % 2 ? keyA.kid : keyB.kid, 'RS256')));
    expect(results).toHaveLength(20);
    expect(p.fetches()).toBe(1);
    expect(r.stats().fetches).toBe(1);
  });

  it('rejects a missing kid without fetching', async () => {
    const p = await platform([keyA.publicJwk]);
    expect((await rejection(resolver().getKey(p.url, undefined, 'RS256'))).code).toBe('kid_missing');
    expect(p.fetches()).toBe(0);
  });

  it('rejects a JWK published for another alg, a key of the wrong type, and symmetric algs', async () => {
    const p = await platform([
      { ...keyA.publicJwk, alg: 'RS384' },
      { ...keyB.publicJwk, alg: undefined },
    ]);
    const r = resolver();
    const mismatch = await rejection(r.getKey(p.url, keyA.kid, 'RS256'));
    expect(mismatch.code).toBe('alg_not_allowed');
    expect(mismatch.details).toMatchObject({ alg: 'RS256', keyAlg: 'RS384' });
    expect((await r.getKey(p.url, keyA.kid, 'RS384')).key).toBeTruthy();
    expect((await r.getKey(p.url, keyB.kid, 'PS256')).key).toBeTruthy(); // no alg on the JWK: any RSA alg
    expect((await rejection(r.getKey(p.url, keyB.kid, 'ES256'))).code).toBe('alg_not_allowed');
    expect((await rejection(r.getKey(p.url, keyB.kid, 'HS256'))).code).toBe('alg_not_allowed');
  });

  it('skips keys whose use is not sig and symmetric keys', async () => {
    const p = await platform([
      { ...keyA.publicJwk, use: 'enc' },
      { kty: 'oct', kid: 'shared', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' },
    ]);
    const r = resolver();
    expect((await rejection(r.getKey(p.url, keyA.kid, 'RS256'))).code).toBe('kid_not_found');
    expect((await rejection(r.getKey(p.url, 'shared', 'RS256'))).code).toBe('kid_not_found');
  });

  it('imports only the public half when a platform publishes private members', async () => {
    const p = await platform([keyA.privateJwk]);
    const { key } = await resolver().getKey(p.url, keyA.kid, 'RS256');
    expect((key as CryptoKey).type).toBe('public');
  });

  it('invalidate() forces the next call to fetch', async () => {
    const p = await platform([keyA.publicJwk]);
    const r = resolver();
    await r.getKey(p.url, keyA.kid, 'RS256');
    r.invalidate(p.url);
    expect((await r.getKey(p.url, keyA.kid, 'RS256')).fromCache).toBe(false);
    expect(p.fetches()).toBe(2);
  });
});

describe('JWKS fetch failures', () => {
  it('times out on a server that never answers', async () => {
    const { url } = await serve(() => {
      /* never respond */
    });
    const started = Date.now();
    const err = await rejection(resolver({ timeoutMs: 150 }).getKey(url, 'k', 'RS256'));
    expect(err.code).toBe('jwks_timeout');
    expect(err.details).toMatchObject({ url, timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out on a body that stalls after the headers', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    });
    expect((await rejection(resolver({ timeoutMs: 150 }).getKey(url, 'k', 'RS256'))).code).toBe('jwks_timeout');
  });

  it('refuses a body over maxBytes announced by Content-Length', async () => {
    const big = JSON.stringify({ keys: [keyA.publicJwk], pad: 'x'.repeat(5_000) });
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.end(big);
    });
    const err = await rejection(resolver({ maxBytes: 1_024 }).getKey(url, keyA.kid, 'RS256'));
    expect(err.code).toBe('jwks_too_large');
    expect(err.details).toMatchObject({ maxBytes: 1_024, contentLength: Buffer.byteLength(big) });
  });

  it('refuses a streamed body over maxBytes without Content-Length', async () => {
    let stillWriting = true;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked
      res.write('{"keys":[],"pad":"');
      const chunk = 'x'.repeat(1_024);
      const timer = setInterval(() => {
        if (!res.write(chunk) && res.destroyed) clearInterval(timer);
      }, 1);
      res.on('close', () => {
        stillWriting = false;
        clearInterval(timer);
      });
    });
    const err = await rejection(resolver({ maxBytes: 8_192 }).getKey(url, 'k', 'RS256'));
    expect(err.code).toBe('jwks_too_large');
    // The connection was dropped rather than read to the end (the server never ends it).
    await new Promise((r) => setTimeout(r, 50));
    expect(stillWriting).toBe(false);
  });

  it('refuses a non-JSON body and a document without keys', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    expect((await rejection(resolver().getKey(html.url, 'k', 'RS256'))).code).toBe('jwks_invalid');

    const noKeys = await serve((_req, res) => sendJson(res, { issuer: 'x' }));
    expect((await rejection(resolver().getKey(noKeys.url, 'k', 'RS256'))).code).toBe('jwks_invalid');

    const keysNotArray = await serve((_req, res) => sendJson(res, { keys: 'nope' }));
    expect((await rejection(resolver().getKey(keysNotArray.url, 'k', 'RS256'))).code).toBe('jwks_invalid');
  });

  it('reports HTTP 500 as jwks_fetch_failed with the status', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const err = await rejection(resolver().getKey(url, 'k', 'RS256'));
    expect(err.code).toBe('jwks_fetch_failed');
    expect(err.details).toMatchObject({ status: 500 });
  });

  it('does not cache a failure: the next call fetches again', async () => {
    let fail = true;
    const { server, url } = await serve((_req, res) => {
      if (fail) {
        res.writeHead(503);
        res.end();
      } else sendJson(res, { keys: [keyA.publicJwk] });
    });
    const r = resolver();
    expect((await rejection(r.getKey(url, keyA.kid, 'RS256'))).code).toBe('jwks_fetch_failed');
    fail = false;
    expect((await r.getKey(url, keyA.kid, 'RS256')).fromCache).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses to follow a redirect', async () => {
    const target = await platform([keyA.publicJwk]);
    const { url } = await serve((_req, res) => {
      res.writeHead(302, { location: target.url });
      res.end();
    });
    const err = await rejection(resolver().getKey(url, keyA.kid, 'RS256'));
    expect(err.code).toBe('jwks_fetch_failed');
    expect(err.details).toMatchObject({ status: 302, location: target.url });
    expect(target.fetches()).toBe(0);
  });

  it('reports a refused connection as jwks_fetch_failed', async () => {
    const { server, url } = await serve((_req, res) => sendJson(res, { keys: [] }));
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    expect((await rejection(resolver().getKey(url, 'k', 'RS256'))).code).toBe('jwks_fetch_failed');
  });

  it('rejects non-http URLs', async () => {
    expect((await rejection(resolver().getKey('file:///etc/passwd', 'k', 'RS256'))).code).toBe('jwks_fetch_failed');
    expect((await rejection(resolver().getKey('not a url', 'k', 'RS256'))).code).toBe('jwks_fetch_failed');
  });
});

describe('fetchJwksDocument', () => {
  it('returns the public keys and their count', async () => {
    const p = await platform([keyA.privateJwk, keyB.publicJwk]);
    const doc = await fetchJwksDocument(p.url, { userAgent: UA, allowPrivateHosts: LOCAL });
    expect(doc.count).toBe(2);
    expect(doc.keys.map((k) => k.kid)).toEqual([keyA.kid, keyB.kid]);
    for (const key of doc.keys) expect(key).not.toHaveProperty('d');
    expect(p.server.requests[0]!.headers['user-agent']).toBe(UA);
  });

  it('uses the same validation as the resolver', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const err = await rejection(fetchJwksDocument(url, { userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err.code).toBe('jwks_fetch_failed');
    expect(err.details).toMatchObject({ status: 404 });
  });
});

describe('address guard (SSRF)', () => {
  it('refuses a JWKS URL on a private address without contacting it', async () => {
    const p = await platform([keyA.publicJwk]);
    const err = await rejection(fetchJwksDocument(p.url, { userAgent: UA }));
    expect(err).toMatchObject({ code: 'jwks_fetch_failed', details: { reason: 'address_refused' } });
    expect(err.message).toMatch(/private or internal network address/);
    expect(err.details).not.toHaveProperty('status');
    expect(p.fetches()).toBe(0);
  });

  it('refuses the cloud metadata address in the resolver too', async () => {
    const err = await rejection(createRemoteJwksResolver({ userAgent: UA }).getKey('http://169.254.169.254/latest/meta-data/', 'k', 'RS256'));
    expect(err).toMatchObject({ code: 'jwks_fetch_failed', details: { reason: 'address_refused' } });
  });
});
