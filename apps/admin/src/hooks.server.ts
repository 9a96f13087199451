import type { Handle } from '@sveltejs/kit';
import { getDeps } from '$lib/server/deps';
import { loadSession } from '$lib/server/session';

export const handle: Handle = async ({ event, resolve }) => {
  const deps = await getDeps();
  // better-auth's own endpoints (sign-in, sign-out, session) under /api/auth.
  if (event.url.pathname.startsWith('/api/auth/')) return deps.auth.handler(event.request);
  event.locals.session = await loadSession(deps, event.request.headers, event.cookies.get('tether_workspace'));
  const response = await resolve(event);
  response.headers.set('x-frame-options', 'DENY');
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  return response;
};
