// First run only: create the first workspace and its admin. Gone once an admin exists.
import { error, fail, redirect } from '@sveltejs/kit';
import { AdminError, createWorkspaceAdmin } from '@tether/auth';
import { adminExists, createWorkspace, deleteWorkspace, writeAudit } from '@tether/db';
import { safeText, slugify } from '@tether/lti';
import { z } from 'zod';
import { getDeps } from '$lib/server/deps';
import { SETUP_DONE_COOKIE, type SetupDone } from '../login/setup-done';
import type { Actions, PageServerLoad } from './$types';

/** Setup exists only until the first admin does. */
async function setupDone() {
  return adminExists((await getDeps()).db);
}

/**
 * The password rule as the auth library enforces it (packages/auth's better-auth options):
 * read from there, so the hint, this form's check and createWorkspaceAdmin never disagree.
 */
async function passwordRule(): Promise<{ min: number; max: number }> {
  const { password } = await (await getDeps()).auth.$context;
  return { min: password.config.minPasswordLength, max: password.config.maxPasswordLength };
}

export const load: PageServerLoad = async () => {
  if (await setupDone()) error(404, { message: 'Setup is complete. Sign in instead.' });
  return { passwordRule: await passwordRule() };
};

const inputFor = (rule: { min: number; max: number }) =>
  z.object({
    // safeText: no NUL or broken UTF-8 reaches the workspaces and users tables.
    workspace: safeText({ max: 120, trim: true }).min(2, 'Name your workspace (at least 2 characters).'),
    name: safeText({ max: 120, trim: true }).min(1, 'Enter your name.'),
    email: z.email('Enter a valid email address, like ada@example.edu.'),
    password: z
      .string()
      .min(rule.min, `This password is too short. Use at least ${rule.min} characters.`)
      .max(rule.max, `This password is too long. Use at most ${rule.max} characters.`),
  });

export const actions: Actions = {
  default: async ({ request, cookies, url }) => {
    if (await setupDone()) error(404, { message: 'Setup is complete. Sign in instead.' });
    const rule = await passwordRule();
    const form = Object.fromEntries(await request.formData());
    const parsed = inputFor(rule).safeParse(form);
    // Never the password: the form comes back with what was typed in the other fields only.
    const values = { workspace: String(form.workspace ?? ''), name: String(form.name ?? ''), email: String(form.email ?? '') };
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
      return fail(400, { values, errors });
    }
    const deps = await getDeps();
    const slug = slugify(parsed.data.workspace) || 'workspace';
    const ws = await createWorkspace(deps.db, { slug, name: parsed.data.workspace });
    let email: string;
    try {
      const admin = await createWorkspaceAdmin(deps.auth, deps.db, { workspaceId: ws.id, email: parsed.data.email, password: parsed.data.password, name: parsed.data.name });
      email = admin.email;
      await writeAudit(deps.db, { workspace_id: ws.id, actor: admin.userId, action: 'setup.complete', target_type: 'workspace', target_id: ws.id });
    } catch (e) {
      await deleteWorkspace(deps.db, ws.id);
      if (e instanceof AdminError) {
        const errors: Record<string, string> =
          e.code === 'email_taken'
            ? { email: 'An account with this email address already exists. Use another address.' }
            : e.code === 'weak_password'
              ? { password: `This password is too short. Use at least ${rule.min} characters.` }
              : { form: 'The workspace could not be created. Please try again.' };
        return fail(400, { values, errors });
      }
      throw e;
    }
    // The sign-in page greets the new admin with their email filled in (a short-lived cookie
    // for that page only: nothing in the URL, and never the password).
    const done: SetupDone = { workspace: parsed.data.workspace, email };
    cookies.set(SETUP_DONE_COOKIE, JSON.stringify(done), { path: '/login', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: 600 });
    redirect(303, '/login');
  },
};
