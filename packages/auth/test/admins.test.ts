import { createWorkspace } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminError, createAuth, createWorkspaceAdmin, type TetherAuth } from '../src/index.js';

let t: TestDatabase;
let auth: TetherAuth;
let workspaceId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  auth = createAuth({ db: t.db, secret: 'x'.repeat(40), baseURL: 'http://localhost:3000', signInLimits: { failuresPerAccount: 3, failuresPerAddress: 50, lockMinutes: 15 } });
  workspaceId = (await createWorkspace(t.db, { slug: 'acme', name: 'Acme' })).id;
});
afterAll(async () => t?.close());

const signIn = (email: string, password: string, ip = '10.0.0.1') =>
  auth.handler(
    new Request('http://localhost:3000/api/auth/sign-in/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, origin: 'http://localhost:3000' },
      body: JSON.stringify({ email, password }),
    }),
  );

describe('workspace admins through better-auth', () => {
  it('an admin created here signs in with the same password, and a wrong one fails', async () => {
    const admin = await createWorkspaceAdmin(auth, t.db, { workspaceId, email: 'Ada@Example.com', password: 'correct horse battery' });
    expect(admin.email).toBe('ada@example.com');
    const account = await t.db.selectFrom('accounts').selectAll().where('user_id', '=', admin.userId).executeTakeFirstOrThrow();
    expect(account.password).toBeTruthy();
    expect(account.password).not.toContain('correct horse');
    const ok = await signIn('ada@example.com', 'correct horse battery');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/session_token=/);
    const bad = await signIn('ada@example.com', 'wrong password!', '10.0.0.2');
    expect(bad.status).toBe(401);
    const m = await t.db.selectFrom('memberships').selectAll().where('user_id', '=', admin.userId).executeTakeFirstOrThrow();
    expect(m).toMatchObject({ role: 'admin', joined_via: 'manual', workspace_id: workspaceId });
  });

  it('refuses a duplicate email and a short password, writing nothing', async () => {
    const before = await t.db.selectFrom('users').select('id').execute();
    await expect(createWorkspaceAdmin(auth, t.db, { workspaceId, email: 'ada@example.com', password: 'another long one' })).rejects.toMatchObject({ code: 'email_taken' });
    await expect(createWorkspaceAdmin(auth, t.db, { workspaceId, email: 'bob@example.com', password: 'short' })).rejects.toBeInstanceOf(AdminError);
    expect(await t.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
  });

  it('locks an account after repeated failed sign-ins (sign-in-limits.test.ts has the rest)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn('ada@example.com', 'nope nope nope', '10.9.9.9')).status);
    expect(statuses).toContain(429);
  });

  it('self sign-up is disabled', async () => {
    const res = await auth.handler(
      new Request('http://localhost:3000/api/auth/sign-up/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({ email: 'eve@example.com', password: 'eve password 123', name: 'Eve' }),
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await t.db.selectFrom('users').selectAll().where('email', '=', 'eve@example.com').executeTakeFirst()).toBeUndefined();
  });
});
