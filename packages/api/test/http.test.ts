// Through HTTP, as the SvelteKit app mounts it: better-auth session cookie → context →
// fetch adapter. Checks the error shape the browser sees: fieldErrors, no stack traces,
// no internals.

import type { AnyTRPCRouter as AnyRouterForTests } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter, createContextFactory, createTRPCRouter, publicProcedure } from '../src/index.js';
import { createTestWorkspace, type Env, setupEnv, type TestWorkspace, validPlatform } from './helpers.js';

let env: Env;
let A: TestWorkspace;
let B: TestWorkspace;
let cookie: string;
let createContext: ReturnType<typeof createContextFactory>;

const ORIGIN = 'http://localhost:3000';

const serve = (router: AnyRouterForTests, req: Request) =>
  fetchRequestHandler({ endpoint: '/api/trpc', req, router, createContext: ({ req }) => createContext({ headers: req.headers }) });

const get = (path: string, input?: unknown, headers: Record<string, string> = {}, router: AnyRouterForTests = appRouter) =>
  serve(router, new Request(`${ORIGIN}/api/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers }));

const post = (path: string, input: unknown, headers: Record<string, string> = {}) =>
  serve(appRouter, new Request(`${ORIGIN}/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input) }));

beforeAll(async () => {
  env = await setupEnv();
  createContext = createContextFactory(env.deps);
  A = await createTestWorkspace(env, 'ws-a');
  B = await createTestWorkspace(env, 'ws-b');
  // A's admin is also an admin of B (to switch with the header).
  await env.db.insertInto('memberships').values({ workspace_id: B.id, user_id: A.adminId, role: 'admin', joined_via: 'manual' }).execute();
  const email = (await env.db.selectFrom('users').select('email').where('id', '=', A.adminId).executeTakeFirstOrThrow()).email;
  const res = await env.auth.handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': '10.1.1.1' },
      body: JSON.stringify({ email, password: 'correct horse battery' }),
    }),
  );
  expect(res.status).toBe(200);
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  expect(cookie).toMatch(/session_token=/);
});
afterAll(async () => env?.close());

describe('over HTTP', () => {
  it('a signed-in admin (session cookie) lists platforms; the header switches workspace', async () => {
    expect((await post('platforms.createManual', validPlatform('http'), { cookie })).status).toBe(200);
    const inA = await get('platforms.list', undefined, { cookie });
    expect(inA.status).toBe(200);
    expect(((await inA.json()) as { result: { data: Array<{ name: string; connectedAt: string }> } }).result.data).toMatchObject([
      { name: 'Canvas http', connectedAt: expect.any(String) },
    ]);
    const inB = await get('platforms.list', undefined, { cookie, 'x-tether-workspace': 'ws-b' });
    expect(((await inB.json()) as { result: { data: unknown[] } }).result.data).toEqual([]);
    const me = (await (await get('session.me', undefined, { cookie, 'x-tether-workspace': 'ws-b' })).json()) as { result: { data: { activeWorkspace: { id: string } } } };
    expect(me.result.data.activeWorkspace.id).toBe(B.id);
  });

  it('without a session: 401 UNAUTHORIZED, and the shape has no stack', async () => {
    const res = await get('platforms.list');
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string; data: Record<string, unknown> } };
    expect(body.error.data).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401, path: 'platforms.list', fieldErrors: null });
    expect(body.error.data).not.toHaveProperty('stack');
  });

  it('a forged cookie is signed out', async () => {
    expect((await get('platforms.list', undefined, { cookie: 'better-auth.session_token=forged.value' })).status).toBe(401);
  });

  it('validation errors: 400 with per-field messages in data.fieldErrors', async () => {
    const res = await post('platforms.createManual', validPlatform('bad', { issuer: 'nope', tokenUrl: '' }), { cookie });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; data: { fieldErrors: Record<string, string>; stack?: string } } };
    expect(Object.keys(body.error.data.fieldErrors).sort()).toEqual(['issuer', 'tokenUrl']);
    expect(body.error.message).toMatch(/^issuer: /);
    expect(body.error.data.stack).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(/\.ts:\d+|node_modules|ZodError/);
  });

  it('conflicts: 409 with the field named', async () => {
    const res = await post('platforms.createManual', validPlatform('http', { name: 'Again' }), { cookie });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { data: { fieldErrors: Record<string, string> } } };
    expect(body.error.data.fieldErrors.clientId).toContain('"Canvas http"');
  });

  it('an unexpected error keeps its message and stack on the server', async () => {
    const boomRouter = createTRPCRouter({
      boom: publicProcedure.query(() => {
        throw new Error('connect ECONNREFUSED postgres://tether:hunter2@db:5432');
      }),
    });
    const res = await get('boom', undefined, {}, boomRouter);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toMatch(/"stack"/);
    expect(JSON.parse(text).error.message).toMatch(/Something went wrong/);
  });
});
