// Sign-in brute force: one limiter (per account and per client address, in PostgreSQL) on
// EVERY sign-in path — the dashboard's form action (signInWithPassword → auth.api) and
// better-auth's own POST /api/auth/sign-in/email (auth.handler, run in withSocketAddress the
// way the dashboard's hooks.server.ts forwards it).
import { createWorkspace } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuth, createWorkspaceAdmin, parseTrustedProxies, SIGN_IN_LOCKED, signInWithPassword, type TetherAuth, withSocketAddress } from '../src/index.js';
import { SIGN_IN_REFUSED } from '../src/sign-in-limits.js';

const ORIGIN = 'http://localhost:3000';
const PASSWORD = 'correct horse battery';
const LIMITS = { failuresPerAccount: 5, failuresPerAddress: 20, lockMinutes: 15 };

let t: TestDatabase;
let auth: TetherAuth;
let workspaceId: string;
beforeAll(async () => {
  t = await createTestDatabase();
  auth = createAuth({ db: t.db, secret: 'x'.repeat(40), baseURL: ORIGIN, signInLimits: LIMITS });
  workspaceId = (await createWorkspace(t.db, { slug: 'acme', name: 'Acme' })).id;
});
afterAll(async () => t?.close());
afterEach(() => vi.useRealTimers());

let seq = 0;
const newAdmin = async (name: string) => {
  const email = `${name}-${++seq}@example.com`;
  await createWorkspaceAdmin(auth, t.db, { workspaceId, email, password: PASSWORD });
  return email;
};

/** The form action's path. */
const viaForm = (email: string, password: string, socketAddress: string, forwardedFor?: string) =>
  signInWithPassword(auth, {
    email,
    password,
    socketAddress,
    headers: new Headers({ origin: ORIGIN, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) }),
  });

/** better-auth's own endpoint, as hooks.server.ts forwards it. */
const viaHttp = (email: string, password: string, socketAddress: string, forwardedFor?: string) =>
  withSocketAddress(socketAddress, () =>
    auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        body: JSON.stringify({ email, password }),
      }),
    ),
  );

const lockedWords = (minutes: number) => `${SIGN_IN_REFUSED} Too many attempts: wait ${minutes} minutes before trying again.`;
const sessions = async () => (await t.db.selectFrom('sessions').select('id').execute()).length;

describe('sign-in brute force: the form action', () => {
  it('50 wrong passwords then the right one: refused while locked, with the wrong-password words plus the wait; no session', async () => {
    const email = await newAdmin('form');
    const before = await sessions();
    const answers = [];
    for (let i = 0; i < 50; i++) answers.push(await viaForm(email, `wrong password ${i}`, '203.0.113.10'));
    expect(answers.slice(0, LIMITS.failuresPerAccount)).toEqual(Array(LIMITS.failuresPerAccount).fill({ ok: false, status: 400, message: SIGN_IN_REFUSED }));
    expect(answers.slice(LIMITS.failuresPerAccount).every((a) => !a.ok && a.status === 429)).toBe(true);
    const right = await viaForm(email, PASSWORD, '203.0.113.10');
    expect(right).toMatchObject({ ok: false, status: 429, message: lockedWords(15) });
    expect(await sessions()).toBe(before);
  });

  it('the lock ends after SIGN_IN_LOCK_MINUTES and the right password then works', async () => {
    const email = await newAdmin('expiry');
    for (let i = 0; i < LIMITS.failuresPerAccount; i++) await viaForm(email, 'wrong password!', '203.0.113.11');
    expect(await viaForm(email, PASSWORD, '203.0.113.11')).toMatchObject({ ok: false, status: 429 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    expect(await viaForm(email, PASSWORD, '203.0.113.11')).toMatchObject({ ok: true });
  });

  it('a successful sign-in clears the account’s failures', async () => {
    const email = await newAdmin('clears');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < LIMITS.failuresPerAccount - 1; i++) expect(await viaForm(email, 'wrong password!', `198.51.100.${20 + round}`)).toMatchObject({ status: 400 });
      expect(await viaForm(email, PASSWORD, `198.51.100.${20 + round}`)).toMatchObject({ ok: true });
    }
  });
});

describe('sign-in brute force: POST /api/auth/sign-in/email', () => {
  it('50 wrong passwords then the right one: 429 with Retry-After and the same words; no session cookie', async () => {
    const email = await newAdmin('http');
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await viaHttp(email, `wrong password ${i}`, '203.0.113.30')).status);
    expect(statuses.slice(0, LIMITS.failuresPerAccount)).toEqual(Array(LIMITS.failuresPerAccount).fill(401));
    expect(new Set(statuses.slice(LIMITS.failuresPerAccount))).toEqual(new Set([429]));
    const right = await viaHttp(email, PASSWORD, '203.0.113.30');
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(right.headers.get('set-cookie') ?? '').not.toMatch(/session_token=/);
    expect(await right.json()).toMatchObject({ code: SIGN_IN_LOCKED, message: lockedWords(15) });
  });

  it('both paths count into one limiter: failures on the form lock the HTTP endpoint and back', async () => {
    const email = await newAdmin('both');
    for (let i = 0; i < 3; i++) expect(await viaForm(email, 'wrong password!', '192.0.2.40')).toMatchObject({ status: 400 });
    for (let i = 0; i < 2; i++) expect((await viaHttp(email, 'wrong password!', '192.0.2.41')).status).toBe(401);
    expect((await viaHttp(email, PASSWORD, '192.0.2.42')).status).toBe(429);
    expect(await viaForm(email, PASSWORD, '192.0.2.43')).toMatchObject({ ok: false, status: 429 });
  });
});

describe('who is counted', () => {
  it('an account is locked against attempts spread over many addresses (the per-account bucket)', async () => {
    const email = await newAdmin('spread');
    for (let i = 0; i < 30; i++) await viaForm(email, 'wrong password!', `100.64.${i}.1`);
    expect(await viaForm(email, PASSWORD, '100.64.200.1')).toMatchObject({ ok: false, status: 429 });
  });

  it('rotating X-Forwarded-For does not help: without TRUSTED_PROXIES the socket address is counted', async () => {
    // Spraying many (unknown) accounts from one socket, a fresh X-Forwarded-For each time.
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await viaForm(`nobody-${i}@example.com`, 'guess guess guess', '203.0.113.50', `10.${i}.0.1`));
    expect(answers.slice(0, LIMITS.failuresPerAddress).every((a) => !a.ok && a.status === 400)).toBe(true);
    expect(answers.slice(LIMITS.failuresPerAddress).every((a) => !a.ok && a.status === 429)).toBe(true);
    const http = await viaHttp('nobody-else@example.com', 'guess guess guess', '203.0.113.50', '10.99.0.1');
    expect(http.status).toBe(429);
  });

  it('the attacker locks their own address and the attacked account, not other accounts from other addresses', async () => {
    const victim = await newAdmin('victim');
    const bystander = await newAdmin('bystander');
    for (let i = 0; i < 50; i++) await viaForm(victim, `wrong password ${i}`, '203.0.113.60');
    // Another admin elsewhere signs in; the attacker's address is locked for every account.
    expect(await viaForm(bystander, PASSWORD, '198.51.100.61')).toMatchObject({ ok: true });
    expect(await viaForm(bystander, PASSWORD, '203.0.113.60')).toMatchObject({ ok: false, status: 429 });
    // An address sharing nothing with the attacker's /64 is not locked; one inside it is.
    const v6victim = await newAdmin('v6');
    for (let i = 0; i < 25; i++) await viaForm(`spray-${i}@example.com`, 'guess guess guess', `2001:db8:1:2::${i.toString(16)}`);
    expect(await viaForm(v6victim, PASSWORD, '2001:db8:1:2::ffff')).toMatchObject({ status: 429 });
    expect(await viaForm(v6victim, PASSWORD, '2001:db8:1:3::1')).toMatchObject({ ok: true });
  });

  it('a locked unknown email reads exactly like a locked real account (no existence oracle)', async () => {
    const real = await newAdmin('real');
    const ghost = 'ghost-account@example.com';
    for (let i = 0; i < LIMITS.failuresPerAccount; i++) {
      const [a, b] = [await viaForm(real, 'wrong password!', `192.0.2.${70 + i}`), await viaForm(ghost, 'wrong password!', `192.0.2.${80 + i}`)];
      expect(a).toEqual(b);
    }
    const [a, b] = [await viaForm(real, PASSWORD, '192.0.2.90'), await viaForm(ghost, PASSWORD, '192.0.2.91')];
    expect(a).toEqual(b);
    expect(a).toMatchObject({ ok: false, status: 429, message: lockedWords(15) });
  });

  it('behind TRUSTED_PROXIES the forwarded client address is counted (clients behind one proxy do not share a bucket)', async () => {
    const proxied = createAuth({ db: t.db, secret: 'x'.repeat(40), baseURL: ORIGIN, signInLimits: LIMITS, trustedProxies: parseTrustedProxies('10.0.0.0/8') });
    const email = await newAdmin('behind-proxy');
    const spray = (client: string, i: number) =>
      signInWithPassword(proxied, {
        email: `spray-proxy-${client}-${i}@example.com`,
        password: 'guess guess guess',
        socketAddress: '10.1.2.3',
        headers: new Headers({ origin: ORIGIN, 'x-forwarded-for': client }),
      });
    for (let i = 0; i < 25; i++) await spray('198.51.100.99', i);
    expect(await spray('198.51.100.99', 99)).toMatchObject({ status: 429 });
    const ok = await signInWithPassword(proxied, {
      email,
      password: PASSWORD,
      socketAddress: '10.1.2.3',
      headers: new Headers({ origin: ORIGIN, 'x-forwarded-for': '198.51.100.100' }),
    });
    expect(ok).toMatchObject({ ok: true });
  });
});
