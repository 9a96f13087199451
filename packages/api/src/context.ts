// The request context: injected dependencies, the signed-in user (better-auth session) and
// their workspace memberships. The active workspace is the one named by the
// `x-tether-workspace` header (a slug) when the user is a member there, else the user's
// first admin membership.
import type { TetherAuth } from '@tether/auth';
import type { OneTimeTokens } from '@tether/crypto';
import { type Database, findUserById, type Kysely, listUserWorkspaces, type MemberRole, type PassbackQueue, type RosterQueue } from '@tether/db';

export const WORKSPACE_HEADER = 'x-tether-workspace';

export interface ApiDeps {
  db: Kysely<Database>;
  auth: TetherAuth;
  tokens: OneTimeTokens;
  /** The runtime's PUBLIC_URL (the LTI endpoints are built from it). */
  publicUrl: string;
  /** Sent when the API fetches from an LMS (test connection). */
  userAgent: string;
  /** Injected fetch for outbound calls (tests); defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /**
   * Hosts (`host` or `host:port`) the outbound client may reach on private/internal addresses
   * (test connection) — the deployment's TETHER_DEV_INSECURE_HOSTS, local test LMSes only.
   */
  allowPrivateHosts?: readonly string[];
  /** Where "Retry" puts a failed grade passback (pg-boss, see @tether/queue). Without it, retry is refused. */
  passbackQueue?: PassbackQueue;
  /** Where "Sync roster" puts a roster sync (pg-boss, see @tether/queue). Without it, sync is refused. */
  rosterQueue?: RosterQueue;
}

export interface SessionUser {
  id: string;
  name: string;
  email: string;
}

export interface WorkspaceMembership {
  id: string;
  slug: string;
  name: string;
  role: MemberRole;
}

export interface Context extends ApiDeps {
  user: SessionUser | null;
  /** All workspaces the user belongs to, oldest membership first. */
  memberships: WorkspaceMembership[];
  activeWorkspace: WorkspaceMembership | null;
}

export function pickActiveWorkspace(memberships: WorkspaceMembership[], requestedSlug?: string | null): WorkspaceMembership | null {
  const slug = requestedSlug?.trim().toLowerCase();
  if (slug) {
    const named = memberships.find((m) => m.slug === slug);
    if (named) return named;
  }
  return memberships.find((m) => m.role === 'admin') ?? null;
}

const signedOut = (deps: ApiDeps): Context => ({ ...deps, user: null, memberships: [], activeWorkspace: null });

/** Context for a known user id, without HTTP (tests, CLI, server-side jobs). Unknown user ⇒ signed out. */
export async function createContextForUser(deps: ApiDeps, userId: string | null, workspaceSlug?: string | null): Promise<Context> {
  if (!userId) return signedOut(deps);
  const user = await findUserById(deps.db, userId);
  if (!user) return signedOut(deps);
  return contextFor(deps, user, workspaceSlug);
}

async function contextFor(deps: ApiDeps, user: SessionUser, workspaceSlug?: string | null): Promise<Context> {
  const memberships = await listUserWorkspaces(deps.db, user.id);
  return { ...deps, user, memberships, activeWorkspace: pickActiveWorkspace(memberships, workspaceSlug) };
}

export const createSignedOutContext = signedOut;

/**
 * `createContextFactory(deps)` once at startup; then per request
 * `createContext({ headers: request.headers })` (the better-auth session cookie and the
 * optional `x-tether-workspace` header are read from them).
 */
export function createContextFactory(deps: ApiDeps): (opts: { headers: Headers }) => Promise<Context> {
  return async ({ headers }) => {
    const session = await deps.auth.api.getSession({ headers });
    if (!session) return signedOut(deps);
    const { id, name, email } = session.user;
    return contextFor(deps, { id, name, email }, headers.get(WORKSPACE_HEADER));
  };
}
