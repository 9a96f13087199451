import { fail, redirect } from '@sveltejs/kit';
import { parseSetCookieHeader } from '@tether/auth';
import { adminExists } from '@tether/db';
import { z } from 'zod';
import { getDeps } from '$lib/server/deps';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  if (locals.session) redirect(303, '/');
  const deps = await getDeps();
  const admin = await adminExists(deps.db);
  return { needsSetup: !admin };
};

const input = z.object({ email: z.email('Enter your email address'), password: z.string().min(1, 'Enter your password') });

export const actions: Actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = Object.fromEntries(await request.formData());
    const parsed = input.safeParse(form);
    if (!parsed.success) {
      return fail(400, { email: String(form.email ?? ''), errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) as Record<string, string> });
    }
    const deps = await getDeps();
    const headers = new Headers(request.headers);
    headers.set('x-forwarded-for', getClientAddress());
    const res = await deps.auth.api.signInEmail({ body: parsed.data, headers, asResponse: true });
    if (res.status === 429) return fail(429, { email: parsed.data.email, errors: { form: 'Too many sign-in attempts. Wait a minute and try again.' } as Record<string, string> });
    if (!res.ok) return fail(400, { email: parsed.data.email, errors: { form: 'That email and password do not match an account.' } as Record<string, string> });
    for (const [name, attrs] of parseSetCookieHeader(res.headers.get('set-cookie') ?? '')) {
      cookies.set(name, attrs.value, {
        path: attrs.path ?? '/',
        httpOnly: attrs.httponly ?? true,
        secure: attrs.secure ?? url.protocol === 'https:',
        sameSite: 'lax',
        ...(attrs['max-age'] !== undefined ? { maxAge: Number(attrs['max-age']) } : {}),
      });
    }
    const next = url.searchParams.get('next');
    redirect(303, next?.startsWith('/') && !next.startsWith('//') ? next : '/');
  },
};
