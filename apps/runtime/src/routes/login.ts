// Hop 1 — OIDC login initiation (GET or POST, identical): resolve the platform, mint the
// correlation ID, state and nonce, store them, bind the state to this browser, and send
// the browser to the platform's authentication endpoint. In an LMS frame without platform
// storage, the browser first checks that the frame keeps the state cookie, and offers a new
// window when it cannot (launch/frame-check.ts); the check's own POST comes back here.

import { recordLogin } from '@tether/db';
import { buildAuthRequestUrl, decideLoginPath, describeZodError, loginDeploymentHint, loginRequestSchema, restartParamsOf, toolEndpoints } from '@tether/lti';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import type { RuntimeDeps } from '../deps.js';
import { readForm, readQuery } from '../http/read-body.js';
import { answerFrameCheck, FRAME_CHECK_FIELD, frameCheckResponse, restartOf } from '../launch/frame-check.js';
import { storageLoginPage } from '../pages/storage-pages.js';
import { fail, page } from '../respond.js';
import { newCorrelationId, randomToken, stateCookieName } from '../security.js';
import { Timeline } from '../timeline.js';

export function loginHandler(deps: RuntimeDeps) {
  const endpoints = toolEndpoints(deps.config.PUBLIC_URL);
  const toolOrigin = new URL(deps.config.PUBLIC_URL).origin;

  return async (c: Context): Promise<Response> => {
    const timeline = new Timeline(newCorrelationId());

    // 1. Parameters, from the query (GET) or the form body (POST). Anonymous garbage is
    //    refused before anything is recorded: until a registration is found there is no
    //    workspace whose troubleshooting could show it.
    const read = c.req.method === 'POST' ? await readForm(c) : readQuery(c);
    if (!read.ok) return fail(deps, null, read.error.code, { step: 'login_received', note: read.error.message });
    const raw = read.value.values;
    // The frame check page's own POST (never a login initiation of an LMS).
    if (raw[FRAME_CHECK_FIELD] !== undefined && c.req.method === 'POST') return answerFrameCheck(c, deps, raw);
    const parsed = loginRequestSchema.safeParse(raw);
    if (!parsed.success) {
      return fail(deps, null, 'invalid_request', {
        step: 'login_received',
        note: describeZodError(parsed.error).join('; '),
        issuer: typeof raw.iss === 'string' ? raw.iss : null,
      });
    }
    const req = parsed.data;
    const deploymentHint = loginDeploymentHint(req);
    timeline.ok('login_received', {
      method: c.req.method,
      iss: req.iss,
      client_id: req.client_id ?? null,
      deployment_id: deploymentHint ?? null,
      lti_storage_target: req.lti_storage_target ?? null,
      target_link_uri: req.target_link_uri,
    });

    // 2. Which registration: (issuer, client_id); one issuer with several and no client_id is refused, never guessed.
    const found = await deps.platforms.findForLogin(req.iss, req.client_id);
    if (!found.ok) {
      return fail(deps, null, found.code, { step: 'platform_resolved', issuer: req.iss, clientId: req.client_id ?? null, details: { matches: found.count } });
    }
    const { platform } = found.entry;
    timeline.ok('platform_resolved', { platform_id: platform.id, platform: platform.name });
    const who = { workspaceId: platform.workspace_id, platformId: platform.id, issuer: platform.issuer, clientId: platform.client_id };

    // 3. The flow must end at this tool (the signed claim is checked again at launch).
    if (!sameOrigin(req.target_link_uri, toolOrigin)) {
      return fail(deps, timeline, 'target_link_uri_invalid', { step: 'target_link_uri', ...who, note: `target_link_uri must be on ${toolOrigin}` });
    }

    // 4. State and nonce: 256 bits each from the CSPRNG, stored before redirecting.
    const state = randomToken();
    const nonce = randomToken();
    const storage = req.lti_storage_target ? 'platform_storage' : 'cookie';
    // Which path the state takes: decided from what the request says (a header and a field),
    // so a top-level login costs nothing more than before.
    const { restart, from } = restartOf(raw);
    const route = decideLoginPath({ storageTarget: req.lti_storage_target, fetchDest: c.req.header('sec-fetch-dest'), restart });
    const authUrl = buildAuthRequestUrl({
      authLoginUrl: platform.auth_login_url,
      clientId: platform.client_id,
      redirectUri: endpoints.launch,
      loginHint: req.login_hint,
      ltiMessageHint: req.lti_message_hint,
      state,
      nonce,
    });
    timeline.ok('auth_redirect', {
      auth_endpoint: new URL(platform.auth_login_url).origin,
      state_binding: storage === 'cookie' ? 'cookie' : 'cookie+platform_storage',
      path: route.path,
      ...(restart ? { restart, restarted_from: from ?? null } : {}),
    });
    await recordLogin(
      deps.db,
      {
        state,
        nonce,
        correlation_id: timeline.correlationId,
        workspace_id: platform.workspace_id,
        platform_id: platform.id,
        issuer: platform.issuer,
        client_id: platform.client_id,
        deployment_id_hint: deploymentHint ?? null,
        target_link_uri: req.target_link_uri,
        storage,
        expires_at: new Date(Date.now() + deps.config.LOGIN_STATE_TTL_SEC * 1000),
      },
      timeline.events,
    );

    // 5. Bind the state to this browser: a per-state cookie always (works where third-party
    //    cookies are allowed), plus platform storage when the platform offers it.
    setCookie(c, stateCookieName(state), state, {
      path: '/lti',
      secure: true,
      httpOnly: true,
      sameSite: 'None',
      partitioned: true,
      maxAge: deps.config.LOGIN_STATE_TTL_SEC,
    });
    c.header('x-correlation-id', timeline.correlationId);
    c.header('cache-control', 'no-store');
    if (req.lti_storage_target) {
      const res = await page(200, timeline.correlationId, (n) =>
        storageLoginPage({ nonce: n, authUrl, platformOrigin: new URL(platform.auth_login_url).origin, target: req.lti_storage_target!, state, oidcNonce: nonce }),
      );
      for (const cookie of c.res.headers.getSetCookie()) res.headers.append('set-cookie', cookie);
      return res;
    }
    if (route.checkFrame) {
      return frameCheckResponse(c, { authUrl, state, loginUrl: endpoints.login, correlationId: timeline.correlationId, restart, params: restartParamsOf(req) });
    }
    return c.redirect(authUrl, 302);
  };
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
