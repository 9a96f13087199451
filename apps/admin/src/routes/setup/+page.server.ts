// First run only: create the first workspace and its admin. Gone once an admin exists.
import { error, fail, redirect } from '@sveltejs/kit';
import { AdminError, createWorkspaceAdmin } from '@tether/auth';
import { adminExists, createWorkspace, deleteWorkspace, writeAudit } from '@tether/db';
import { safeText, slugify } from '@tether/lti';
import { z } from 'zod';
import { getDeps } from '$lib/server/deps';
import type { Actions, PageServerLoad } from './$types';

/** Setup exists only until the first admin does. */
async function setupDone() {
  return adminExists((await getDeps()).db);
}

export const load: PageServerLoad = async () => {
  if (await setupDone()) error(404, { message: 'Setup is complete. Sign in instead.' });
  return {};
};

const input = z.object({
  // safeText: no NUL or broken UTF-8 reaches the workspaces and users tables.
  workspace: safeText({ max: 120, trim: true }).min(2, 'Name your workspace'),
  name: safeText({ max: 120, trim: true }).min(1, 'Enter your name'),
  email: z.email('Enter a valid email address'),
  password: z.string().min(10, 'Use at least 10 characters').max(256),
});

export const actions: Actions = {
  default: async ({ request }) => {
    if (await setupDone()) error(404, { message: 'Setup is complete. Sign in instead.' });
    const form = Object.fromEntries(await request.formData());
    const parsed = input.safeParse(form);
    const values = { workspace: String(form.workspace ?? ''), name: String(form.name ?? ''), email: String(form.email ?? '') };
    if (!parsed.success) return fail(400, { values, errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) as Record<string, string> });
    const deps = await getDeps();
    const slug = slugify(parsed.data.workspace) || 'workspace';
    const ws = await createWorkspace(deps.db, { slug, name: parsed.data.workspace });
    try {
      const admin = await createWorkspaceAdmin(deps.auth, deps.db, { workspaceId: ws.id, email: parsed.data.email, password: parsed.data.password, name: parsed.data.name });
      await writeAudit(deps.db, { workspace_id: ws.id, actor: admin.userId, action: 'setup.complete', target_type: 'workspace', target_id: ws.id });
    } catch (e) {
      await deleteWorkspace(deps.db, ws.id);
      if (e instanceof AdminError)
        return fail(400, { values, errors: { [e.message.split(':')[0] ?? 'form']: e.message.split(': ').slice(1).join(': ') } as Record<string, string> });
      throw e;
    }
    redirect(303, '/login?setup=done');
  },
};
