// Who is signed in, and as admin of which workspace.
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
  const memberships = await deps.db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', s.user.id)
    .orderBy('m.created_at')
    .execute();
  const active = memberships.find((m) => m.slug === preferredSlug) ?? memberships.find((m) => m.role === 'admin') ?? memberships[0];
  return {
    user: { id: s.user.id, name: s.user.name, email: s.user.email },
    workspace: active ? { id: active.id, slug: active.slug, name: active.name } : null,
    role: active?.role ?? null,
    workspaces: memberships.map((m) => ({ slug: m.slug, name: m.name, role: m.role })),
  };
}
