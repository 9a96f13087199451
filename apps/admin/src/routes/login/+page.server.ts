import { fail, redirect } from '@sveltejs/kit';
import { parseSetCookieHeader, safeNextPath, signInWithPassword } from '@tether/auth';
import { adminExists } from '@tether/db';
import { z } from 'zod';
import { getDeps } from '$lib/server/deps';
import type { Actions, PageServerLoad } from './$types';
import { readSetupDone, SETUP_DONE_COOKIE } from './setup-done';

export const load: PageServerLoad = async ({ locals, cookies }) => {
  if (locals.session) redirect(303, '/');
  // Just after first-run setup: say so, and fill in the new admin's email (read once).
  const setupDone = readSetupDone(cookies.get(SETUP_DONE_COOKIE));
  if (cookies.get(SETUP_DONE_COOKIE) !== undefined) cookies.delete(SETUP_DONE_COOKIE, { path: '/login' });
  const deps = await getDeps();
  const admin = await adminExists(deps.db);
  return { needsSetup: !admin, setupDone };
};

const input = z.object({ email: z.email('Enter your email address, like ada@example.edu.'), password: z.string().min(1, 'Enter your password.') });

export const actions: Actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = Object.fromEntries(await request.formData());
    const parsed = input.safeParse(form);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
      return fail(400, { email: String(form.email ?? ''), errors });
    }
    const deps = await getDeps();
    // The same endpoint, hooks and limiter as POST /api/auth/sign-in/email. The socket address
    // goes beside the request, not in a header: the limiter believes X-Forwarded-For only
    // from TRUSTED_PROXIES.
    const result = await signInWithPassword(deps.auth, { ...parsed.data, headers: request.headers, socketAddress: getClientAddress() });
    if (!result.ok) return fail(result.status, { email: parsed.data.email, errors: { form: result.message } as Record<string, string> });
    for (const [name, attrs] of parseSetCookieHeader(result.setCookie)) {
      cookies.set(name, attrs.value, {
        path: attrs.path ?? '/',
        httpOnly: attrs.httponly ?? true,
        secure: attrs.secure ?? url.protocol === 'https:',
        sameSite: 'lax',
        ...(attrs['max-age'] !== undefined ? { maxAge: Number(attrs['max-age']) } : {}),
      });
    }
    redirect(303, safeNextPath(url.searchParams.get('next'), url.origin));
  },
};
