import { redirect } from '@sveltejs/kit';
import { getDeps } from '$lib/server/deps';
import type { Actions } from './$types';

export const load = () => redirect(303, '/');

export const actions: Actions = {
  default: async ({ request, cookies }) => {
    const deps = await getDeps();
    await deps.auth.api.signOut({ headers: request.headers }).catch(() => undefined);
    for (const name of ['better-auth.session_token', '__Secure-better-auth.session_token', 'better-auth.session_data', '__Secure-better-auth.session_data']) {
      cookies.delete(name, { path: '/' });
    }
    redirect(303, '/login');
  },
};
