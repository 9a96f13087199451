// Who is signed in, and as admin of which workspace.
import { pickActiveWorkspace } from '@tether/api';
import { listUserWorkspaces } from '@tether/db';
import type { AdminDeps } from './deps';

export interface AdminSession {
  user: { id: string; name: string; email: string };
  workspace: { id: string; slug: string; name: string } | null;
  role: 'admin' | 'member' | null;
  workspaces: { slug: string; name: string; role: 'admin' | 'member' }[];
}

export async function loadSession(deps: AdminDeps, headers: Headers, preferredSlug?: string | null): Promise<AdminSession | null> {
  const s = await deps.auth.api.getSession({ headers }).catch(() => null);
  if (!s) return null;
  const memberships = await listUserWorkspaces(deps.db, s.user.id);
  // A member (no admin role anywhere) still gets a workspace: the admins-only pages tell them so.
  const active = pickActiveWorkspace(memberships, preferredSlug) ?? memberships[0];
  return {
    user: { id: s.user.id, name: s.user.name, email: s.user.email },
    workspace: active ? { id: active.id, slug: active.slug, name: active.name } : null,
    role: active?.role ?? null,
    workspaces: memberships.map((m) => ({ slug: m.slug, name: m.name, role: m.role })),
  };
}
