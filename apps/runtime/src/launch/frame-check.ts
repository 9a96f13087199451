// The login in an LMS frame that offers no platform storage, both halves. The login answers
// with the frame check page instead of redirecting (`frameCheckResponse`); the page posts the
// check back to the login URL (`answerFrameCheck`): did this frame send back the state cookie?
//
// Cost: nothing for a top-level login (it is never asked). A framed login whose cookie comes
// back pays one small request that reads no table. Only a frame that cannot keep the cookie
// costs a read and one timeline write — the launch that would have failed costs as much.
//
// Security: the check only reads. It never sets a state cookie (that would let anyone bind a
// state of their choosing to a browser), never uses a state up, and the new window starts a
// FRESH login from the login-initiation parameters, validated like any login — the state of the
// framed login is never sent to the platform.
import { appendEvents, findLoginState, loginEventsOf } from '@tether/db';
import { checkLoginStateFresh, decideFrameCheck, type LoginRestart, loginRestartOf, storageAccessReportOf } from '@tether/lti';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { RuntimeDeps } from '../deps.js';
import { frameCheckPage } from '../pages/frame-check-page.js';
import { fail } from '../respond.js';
import { pageHeaders, randomToken, stateCookieName } from '../security.js';
import { Timeline } from '../timeline.js';

/** The form field that makes a POST to the login URL a frame check (the page's own request, never an LMS's). */
export const FRAME_CHECK_FIELD = 'tether_probe';
/** The restart markers the new-window form adds to the login-initiation parameters. */
const RESTART_FIELD = 'tether_restart';
const RESTARTED_FROM_FIELD = 'tether_from';

/** A state as the login mints it: 32 random bytes, base64url. */
const STATE_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The restart markers of a login (ignored unless well-formed: they only label the timeline). */
export function restartOf(raw: Readonly<Record<string, string>>): { restart: LoginRestart | undefined; from: string | undefined } {
  const restart = loginRestartOf(raw[RESTART_FIELD]);
  const from = raw[RESTARTED_FROM_FIELD];
  return { restart, from: restart && from && UUID.test(from) ? from.toLowerCase() : undefined };
}

/** The frame check page, with the login's Set-Cookie: it may fetch its own origin (the check), nothing else. */
export async function frameCheckResponse(
  c: Context,
  opts: {
    authUrl: string;
    state: string;
    loginUrl: string;
    correlationId: string;
    restart: LoginRestart | undefined;
    /** The login-initiation parameters the login read (`restartParamsOf`). */
    params: Record<string, string>;
  },
): Promise<Response> {
  const nonce = randomToken(16);
  const body = String(
    await frameCheckPage({
      nonce,
      authUrl: opts.authUrl,
      state: opts.state,
      checkUrl: opts.loginUrl,
      loginUrl: opts.loginUrl,
      restartFields: { ...opts.params, [RESTART_FIELD]: 'new-window', [RESTARTED_FROM_FIELD]: opts.correlationId },
      restart: opts.restart,
      correlationId: opts.correlationId,
    }),
  );
  // Framable by any page, like the login's platform storage page: the LMS page that frames a
  // login is not known yet (Canvas frames tools from course hosts that are neither its login
  // host nor its issuer).
  const headers = pageHeaders(nonce);
  headers['content-security-policy'] = `${headers['content-security-policy']}; connect-src 'self'`;
  const res = new Response(body, { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8', 'x-correlation-id': opts.correlationId } });
  for (const cookie of c.res.headers.getSetCookie()) res.headers.append('set-cookie', cookie);
  return res;
}

/**
 * The check the page posts: `{ next: 'continue' }` when the state cookie came back (no
 * database, nothing written); otherwise the check is recorded on the login's timeline
 * (`frame_check`) and the page is told to offer the new window — or, when the frame was just
 * granted storage access, to start the login once more in the frame.
 */
export async function answerFrameCheck(c: Context, deps: RuntimeDeps, form: Readonly<Record<string, string>>): Promise<Response> {
  const state = form[FRAME_CHECK_FIELD] ?? '';
  if (!STATE_SHAPE.test(state)) return fail(deps, null, 'invalid_request', { step: 'frame_check', note: 'the frame check carries no state of this tool' });
  const cookieKept = getCookie(c, stateCookieName(state)) === state;
  const storageAccess = storageAccessReportOf(form.storage_access);
  const { restart } = restartOf(form);
  const next = decideFrameCheck({ cookieKept, storageAccess, restart });
  if (next === 'continue') return checked(next);

  // The state is the proof that this report comes from the login's own page: 256 random bits
  // only that page holds. A report for any other state writes nothing.
  const login = await findLoginState(deps.db, state);
  if (!login) return fail(deps, null, 'state_unknown', { step: 'frame_check', note: 'the frame check names a state this tool did not issue' });
  const who = { workspaceId: login.workspace_id, platformId: login.platform_id, issuer: login.issuer, clientId: login.client_id };
  const fresh = checkLoginStateFresh(
    { expiresAt: login.expires_at, consumedAt: login.consumed_at, storage: login.storage, deploymentIdHint: login.deployment_id_hint },
    new Date(),
  );
  if (!fresh.ok) return fail(deps, null, fresh.code, { step: 'frame_check', ...who, note: 'the frame check came after its login ended' });
  if (login.storage !== 'cookie') return fail(deps, null, 'invalid_request', { step: 'frame_check', ...who, note: 'this login keeps its state in platform storage' });

  // The login's events lead (a login the platform never answered shows these events).
  const timeline = new Timeline(login.correlation_id, loginEventsOf(login));
  timeline.info('frame_check', {
    cookie_kept: false,
    cookie_enabled: form.cookie_enabled === '1',
    storage_access: storageAccess,
    next,
    ...(restart ? { restart } : {}),
  });
  await appendEvents(deps.db, timeline.correlationId, login.workspace_id, timeline.events);
  return checked(next, login.correlation_id);
}

function checked(next: string, correlationId?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  return new Response(JSON.stringify({ next }), { status: 200, headers });
}
