// "Test connection" must not be a port scanner: the keyset URL goes through the outbound
// client's address guard, and only the deployment's allow-list (TETHER_DEV_INSECURE_HOSTS,
// threaded as `allowPrivateHosts`) lets a private host through.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createContextForUser } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, setupEnv, type TestWorkspace } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;
let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  env = await setupEnv();
  W = await createTestWorkspace(env, 'ssrf');
  admin = await callerFor(env, W.adminId);
  // Stands for an internal service: it answers anything, and must never be asked.
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ kty: 'RSA', kid: 'internal', n: 'AQAB', e: 'AQAB' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  await env?.close();
});

describe('platforms.testConnection address guard (SSRF)', () => {
  it('refuses a private, loopback or metadata address without contacting it, in words', async () => {
    seen.length = 0;
    const urls = [`${base}/jwks`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/jwks', 'http://[::ffff:10.0.0.1]/jwks', 'http://[::1]:6379/'];
    for (const jwksUrl of urls) {
      const r = await admin.platforms.testConnection({ jwksUrl });
      expect(r, jwksUrl).toMatchObject({ reachable: false, validJwks: false, keyCount: 0, error: { code: 'jwks_fetch_failed' } });
      expect(r.error!.message, jwksUrl).toMatch(/private or internal network address/);
      // Nothing about ports or what answered.
      expect(r.error!.message).not.toMatch(/ECONN|6379|timeout|HTTP \d/);
    }
    expect(seen).toEqual([]);
  });

  it('a host name that resolves to loopback is refused too', async () => {
    seen.length = 0;
    const port = new URL(base).port;
    const r = await admin.platforms.testConnection({ jwksUrl: `http://localhost:${port}/jwks` });
    expect(r).toMatchObject({ reachable: false, error: { code: 'jwks_fetch_failed' } });
    expect(r.error!.message).toMatch(/private or internal network address/);
    expect(seen).toEqual([]);
  });

  it('the deployment allow-list (allowPrivateHosts in the context) lets a local test LMS through', async () => {
    seen.length = 0;
    const caller = createCaller({ ...(await createContextForUser(env.deps, W.adminId)), allowPrivateHosts: ['127.0.0.1'] });
    expect(await caller.platforms.testConnection({ jwksUrl: `${base}/jwks` })).toEqual({ reachable: true, validJwks: true, keyCount: 1 });
    expect(seen).toEqual(['/jwks']);
  });
});
