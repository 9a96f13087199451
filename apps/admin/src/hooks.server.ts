import type { Handle } from '@sveltejs/kit';
import { withSocketAddress } from '@tether/auth';
import { getDeps } from '$lib/server/deps';
import { crossSiteRefusal } from '$lib/server/origins';
import { loadSession } from '$lib/server/session';

/** Any dashboard body (sign-in, setup, settings forms, tRPC JSON) is a few KiB; this is ample. */
export const MAX_BODY_BYTES = 64 * 1024;

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * The one size guard for every request with a body, before better-auth or any action reads
 * it: over the cap (declared or streamed) is 413, a form body that does not parse is 400 —
 * a clear answer with a code instead of an empty 500 from deep inside a form action.
 * Null when the request may go on.
 */
export async function guardRequestBody(request: Request, pathname: string): Promise<Response | null> {
  if (!request.body) return null;
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared.trim()) || Number(declared) > MAX_BODY_BYTES)) return refusal(pathname, 413);
  if (declared === null && !(await fitsCap(request.clone().body))) return refusal(pathname, 413);
  const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (FORM_TYPES.includes(type)) {
    try {
      await request.clone().formData();
    } catch {
      return refusal(pathname, 400);
    }
  }
  return null;
}

/** Reads a streamed (chunked) body up to the cap and stops: the original keeps at most that much buffered. */
async function fitsCap(body: ReadableStream<Uint8Array> | null): Promise<boolean> {
  if (!body) return true;
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      // Not awaited: a tee branch's cancel settles only once the original is cancelled too.
      reader.cancel().catch(() => undefined);
      return false;
    }
  }
}

function refusal(pathname: string, status: 400 | 413): Response {
  const code = status === 413 ? 'request_too_large' : 'invalid_request';
  const message = status === 413 ? `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.` : 'The form could not be read.';
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-tether-error': code };
  if (pathname.startsWith('/api/')) return Response.json({ error: { code, message } }, { status, headers });
  return new Response(message, { status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

export const handle: Handle = async ({ event, resolve }) => {
  const refused = await guardRequestBody(event.request, event.url.pathname);
  if (refused) return refused;
  const deps = await getDeps();
  const crossSite = crossSiteRefusal(event.request, event.url.pathname, deps.origins);
  if (crossSite) return crossSite;
  // better-auth's own endpoints (sign-in, sign-out, session) under /api/auth.
  // The sign-in limiter keys on the socket's address (or a trusted proxy's X-Forwarded-For), never a client-written header.
  if (event.url.pathname.startsWith('/api/auth/')) return withSocketAddress(event.getClientAddress(), () => deps.auth.handler(event.request));
  event.locals.session = await loadSession(deps, event.request.headers, event.cookies.get('tether_workspace'));
  const response = await resolve(event);
  response.headers.set('x-frame-options', 'DENY');
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  return response;
};
