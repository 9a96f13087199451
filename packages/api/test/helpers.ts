// Shared test setup: one migrated database per test FILE (createTestDatabase is heavy),
// workspaces with admins/members, and callers built from a user id without HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import { createAuth, createWorkspaceAdmin, type TetherAuth } from '@tether/auth';
import { createOneTimeTokens, type OneTimeTokens } from '@tether/crypto';
import { createWorkspace, type Database, type Kysely, type LaunchStatus } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { type ApiDeps, createCaller, createContextForUser } from '../src/index.js';

export const PUBLIC_URL = 'https://tether.example.edu';

export interface Env {
  t: TestDatabase;
  db: Kysely<Database>;
  auth: TetherAuth;
  tokens: OneTimeTokens;
  deps: ApiDeps;
  close(): Promise<void>;
}

export async function setupEnv(overrides: Partial<ApiDeps> = {}): Promise<Env> {
  const t = await createTestDatabase();
  const auth = createAuth({ db: t.db, secret: 's'.repeat(40), baseURL: 'http://localhost:3000' });
  const tokens = createOneTimeTokens(randomBytes(32));
  const deps: ApiDeps = { db: t.db, auth, tokens, publicUrl: PUBLIC_URL, userAgent: 'Tether-Test/1.0', ...overrides };
  return { t, db: t.db, auth, tokens, deps, close: () => t.close() };
}

export interface TestWorkspace {
  id: string;
  slug: string;
  adminId: string;
  memberId: string;
}

let seq = 0;
/** A workspace with one admin (through better-auth, like `tether admin create`) and one LTI member. */
export async function createTestWorkspace(env: Env, slug: string): Promise<TestWorkspace> {
  const ws = await createWorkspace(env.db, { slug, name: `Workspace ${slug}` });
  const admin = await createWorkspaceAdmin(env.auth, env.db, {
    workspaceId: ws.id,
    email: `admin-${slug}-${++seq}@example.com`,
    password: 'correct horse battery',
    name: `Admin ${slug}`,
  });
  const memberId = await insertUser(env.db, `Member ${slug}`);
  await env.db.insertInto('memberships').values({ workspace_id: ws.id, user_id: memberId, role: 'member', joined_via: 'lti' }).execute();
  return { id: ws.id, slug, adminId: admin.userId, memberId };
}

export async function insertUser(db: Kysely<Database>, name: string): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({ id, name, email: `${id}@lti.invalid`, email_verified: false, image: null, created_at: new Date(), updated_at: new Date() })
    .execute();
  return id;
}

export type Caller = ReturnType<typeof createCaller>;

export async function callerFor(env: Env, userId: string | null, workspaceSlug?: string, deps: ApiDeps = env.deps): Promise<Caller> {
  return createCaller(await createContextForUser(deps, userId, workspaceSlug));
}

export const validPlatform = (suffix: string, extra: Record<string, unknown> = {}) => ({
  name: `Canvas ${suffix}`,
  issuer: `https://canvas-${suffix}.example.com`,
  clientId: `client-${suffix}`,
  deploymentIds: `dep-${suffix}-1, dep-${suffix}-2`,
  authLoginUrl: `https://canvas-${suffix}.example.com/api/lti/authorize_redirect`,
  tokenUrl: `https://canvas-${suffix}.example.com/login/oauth2/token`,
  jwksUrl: `https://canvas-${suffix}.example.com/api/lti/security/jwks`,
  ...extra,
});

/** The TRPCError a call rejects with (fails the test if it resolves). */
export async function trpcError(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TRPCError);
    return e as TRPCError;
  }
  throw new Error('expected the call to fail');
}

export async function insertLaunch(
  db: Kysely<Database>,
  l: {
    workspaceId: string | null;
    correlationId?: string;
    status?: LaunchStatus;
    errorCode?: string | null;
    platformId?: string | null;
    scenarioId?: string | null;
    userId?: string | null;
    createdAt?: Date;
    completedAt?: Date | null;
    issuer?: string | null;
    clientId?: string | null;
    ltiSub?: string | null;
    roles?: string[];
    contextId?: string | null;
    contextTitle?: string | null;
    resourceLinkId?: string | null;
    resourceLinkTitle?: string | null;
  },
) {
  const status = l.status ?? 'landed';
  return db
    .insertInto('launches')
    .values({
      correlation_id: l.correlationId ?? `c-${randomUUID()}`,
      workspace_id: l.workspaceId,
      platform_id: l.platformId ?? null,
      scenario_id: l.scenarioId ?? null,
      user_id: l.userId ?? null,
      status,
      error_code: l.errorCode ?? null,
      issuer: l.issuer ?? null,
      client_id: l.clientId ?? null,
      lti_sub: l.ltiSub ?? null,
      roles: l.roles ?? [],
      context_id: l.contextId ?? null,
      context_title: l.contextTitle ?? null,
      resource_link_id: l.resourceLinkId ?? null,
      resource_link_title: l.resourceLinkTitle ?? null,
      ...(l.createdAt ? { created_at: l.createdAt } : {}),
      completed_at: l.completedAt !== undefined ? l.completedAt : status === 'started' ? null : (l.createdAt ?? new Date()),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
