// Flood control on the protocol endpoints (per client address, in memory) and the Grades API
// (per API key). The runtime app is served behind the limiter exactly as app.ts wires it:
// `app.use('/lti/*', limits.protocol)` before the routes.
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { parseTrustedProxies } from '@tether/auth/client-address';
import { sql } from '@tether/db';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createRateLimits, type RateLimitOptions } from '../src/rate-limits.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
const servers: ServerType[] = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  await h?.close();
});

const LIMITS: RateLimitOptions = { loginPerMin: 50, launchPerMin: 50, registerPerMin: 5, gradesPerMin: 3, trustedProxies: [] };

/** The runtime behind a fresh limiter, on its own port (a socket, so the client address is real). */
async function limitedRuntime(opts: Partial<RateLimitOptions> = {}): Promise<string> {
  const deps = h.runtime.deps;
  const limits = createRateLimits(deps, { ...LIMITS, ...opts });
  const inner = createApp(deps);
  const app = new Hono();
  app.use('/lti/*', limits.protocol);
  app.all('*', (c) => inner.fetch(c.req.raw, c.env));
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const loginUrl = (base: string, i: number) =>
  `${base}/lti/login?${new URLSearchParams({ iss: h.sim.issuer, client_id: h.sim.clientId, login_hint: `user-${i}`, target_link_uri: `${h.runtime.url}/lti/launch` })}`;

const count = async (table: 'login_states' | 'launches' | 'launch_events') =>
  Number((await h.t.db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

describe('protocol endpoints, per client address', () => {
  it('2,000 logins with a valid issuer from one client: 429s with Retry-After, and the rows written stay bounded by the limit', async () => {
    const base = await limitedRuntime();
    const before = { states: await count('login_states'), launches: await count('launches'), events: await count('launch_events') };
    const statuses = new Map<number, number>();
    let refused: Response | undefined;
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, j) => fetch(loginUrl(base, batch * 50 + j), { redirect: 'manual' })));
      for (const res of answers) {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) refused ??= res;
        else await res.arrayBuffer();
      }
    }
    expect(statuses.get(429)).toBe(2000 - LIMITS.loginPerMin);
    expect([...statuses.keys()].filter((s) => s !== 429).every((s) => s === 302 || s === 200)).toBe(true);
    expect(refused).toBeDefined();
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused?.headers.get('x-tether-error')).toBe('rate_limited');
    expect(refused?.headers.get('content-type')).toMatch(/text\/html/);
    expect(await refused?.text()).toContain('Too many requests');
    // One login state per allowed login; a refused login writes nothing at all.
    expect((await count('login_states')) - before.states).toBeLessThanOrEqual(LIMITS.loginPerMin);
    expect(await count('launches')).toBe(before.launches);
    expect(await count('launch_events')).toBe(before.events);
  }, 120_000);

  it('the launch and registration endpoints have their own buckets', async () => {
    const base = await limitedRuntime({ launchPerMin: 3, registerPerMin: 2 });
    const launches = [];
    for (let i = 0; i < 5; i++) launches.push((await fetch(`${base}/lti/launch`, { method: 'POST', body: new URLSearchParams({ id_token: 'x', state: 'y' }) })).status);
    expect(launches.slice(3)).toEqual([429, 429]);
    expect(launches.slice(0, 3)).not.toContain(429);
    const registers = [];
    for (let i = 0; i < 4; i++) registers.push((await fetch(`${base}/lti/register?token=nope`)).status);
    expect(registers.slice(2)).toEqual([429, 429]);
    // Logins are still counted apart.
    expect((await fetch(loginUrl(base, 1), { redirect: 'manual' })).status).not.toBe(429);
  });

  it('a forged X-Forwarded-For is ignored without TRUSTED_PROXIES', async () => {
    const base = await limitedRuntime({ registerPerMin: 2 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${base}/lti/register?token=nope`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
    expect(statuses.slice(2)).toEqual([429, 429, 429, 429]);
  });

  it('X-Forwarded-For is honoured from a trusted proxy: each client behind it has its own bucket', async () => {
    const base = await limitedRuntime({ registerPerMin: 2, trustedProxies: parseTrustedProxies('127.0.0.1, ::1') });
    const from = async (client: string) => (await fetch(`${base}/lti/register?token=nope`, { headers: { 'x-forwarded-for': client } })).status;
    expect([await from('198.51.100.1'), await from('198.51.100.1')]).not.toContain(429);
    expect(await from('198.51.100.1')).toBe(429);
    expect(await from('198.51.100.2')).not.toBe(429);
    // A client cannot walk past the proxy by writing its own entry on the left.
    expect(await from('203.0.113.9, 198.51.100.1')).toBe(429);
  });
});

describe('Grades API, per API key', () => {
  it('consume(key) answers null until the limit, then a JSON 429 with Retry-After; other keys are unaffected', async () => {
    const limits = createRateLimits(h.runtime.deps, LIMITS);
    for (let i = 0; i < LIMITS.gradesPerMin; i++) expect(await limits.grades.consume('key-a')).toBeNull();
    const refused = await limits.grades.consume('key-a');
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get('cache-control')).toBe('no-store');
    expect(await refused?.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/retry after \d+ seconds/) } });
    expect(await limits.grades.consume('key-b')).toBeNull();
  });

  it('a limit of 0 is off (load tests)', async () => {
    const limits = createRateLimits(h.runtime.deps, { ...LIMITS, gradesPerMin: 0 });
    for (let i = 0; i < 20; i++) expect(await limits.grades.consume('key-a')).toBeNull();
  });
});
