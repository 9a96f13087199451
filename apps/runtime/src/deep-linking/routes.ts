// Deep Linking 2.0 HTTP surface: the picker page and its answer (the signed
// LtiDeepLinkingResponse auto-posted to the platform). The launch that opens the picker is
// the launch handler's (launch/finish-launch.ts), on both state paths.

import { deepLinkResponded, listScenarios, recordDeepLinkResponse, type Scenario } from '@tether/db';
import {
  buildDeepLinkingResponse,
  CONTENT_ITEM_TYPE,
  type DeepLinkingErrorCode,
  DL_CLAIM,
  deepLinkingFlag,
  deepLinkingFormHtml,
  deepLinkingPolicy,
  isDeepLinkingError,
  type LtiResourceLinkItem,
  signDeepLinkingResponse,
  toolEndpoints,
} from '@tether/lti';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { RuntimeDeps } from '../deps.js';
import { readForm } from '../http/read-body.js';
import { type PickerScenario, pickerPage } from '../pages/picker-page.js';
import type { PlatformEntry } from '../platform-directory.js';
import { fail, page } from '../respond.js';
import { frameAncestorsOf } from '../security.js';
import { Timeline } from '../timeline.js';
import { PICKER_PATH, urlForLog } from './picker-summary.js';
import { type PickerSession, readPickerSession } from './session.js';

/** Lifetime of the signed response: the browser posts it at once. */
const RESPONSE_TTL_SEC = 300;
const CANCEL_MESSAGE = 'No scenario was added';
const SCORE_MAXIMUM = 100;

export function deepLinkingRoutes(deps: RuntimeDeps) {
  const app = new Hono();
  app.get(PICKER_PATH, (c) => showPicker(c, deps));
  app.post(`${PICKER_PATH}/respond`, (c) => respond(c, deps));
  return app;
}

async function openSession(deps: RuntimeDeps, token: unknown): Promise<{ session: PickerSession; entry: PlatformEntry } | Response> {
  const read = await readPickerSession(deps, token);
  if (!read.ok) return fail(deps, null, read.code, { step: 'deep_link_session', note: 'the picker session is invalid or expired' });
  const entry = await deps.platforms.findById(read.session.platformId);
  if (!entry) {
    return fail(deps, new Timeline(read.session.correlationId), 'deep_link_session_invalid', {
      step: 'deep_link_session',
      ends: 'event',
      note: 'the LMS connection was removed while the picker was open',
    });
  }
  return { session: read.session, entry };
}

const toPickerScenario = (s: Scenario): PickerScenario => ({ id: s.id, slug: s.slug, title: s.title, description: s.description });

async function renderPicker(deps: RuntimeDeps, token: string, session: PickerSession, entry: PlatformEntry, status: 200 | 400, notice?: string) {
  // Archived scenarios are not offered: a link to one would be refused at launch.
  const scenarios = await listScenarios(deps.db, entry.platform.workspace_id, { archived: 'exclude' });
  return page(
    status,
    session.correlationId,
    (nonce) =>
      pickerPage({
        nonce,
        session: token,
        scenarios: scenarios.map(toPickerScenario),
        multiple: deepLinkingPolicy(session.settings).acceptMultiple,
        contextTitle: session.contextTitle,
        notice,
      }),
    { frameAncestors: frameAncestorsOf(entry.platform) },
  );
}

async function showPicker(c: Context, deps: RuntimeDeps): Promise<Response> {
  const token = c.req.query('session');
  const opened = await openSession(deps, token);
  if (opened instanceof Response) return opened;
  const { session, entry } = opened;
  if (await deepLinkResponded(deps.db, session.correlationId)) {
    return fail(deps, null, 'deep_link_already_sent', { step: 'deep_link_picker', note: 'this picker already answered the LMS' });
  }
  return renderPicker(deps, token!, session, entry, 200);
}

const respondForm = z.object({
  session: z
    .string()
    .min(1)
    .max(16 * 1024),
  action: z.enum(['add', 'cancel']).default('add'),
  scenario: z.array(z.string().max(64)).max(200).default([]),
});

async function respond(c: Context, deps: RuntimeDeps): Promise<Response> {
  // A broken or unsafe body is refused before the session is even read: nothing is recorded.
  const read = await readForm(c);
  if (!read.ok) return fail(deps, null, read.error.code, { step: 'deep_link_response', note: read.error.message });
  const body = read.value;
  const form = respondForm.safeParse({ session: body.values.session, action: body.values.action || undefined, scenario: body.all('scenario') });
  const opened = await openSession(deps, form.success ? form.data.session : body.values.session);
  if (opened instanceof Response) return opened;
  const { session, entry } = opened;
  const { platform } = entry;
  const timeline = new Timeline(session.correlationId);
  const refuse = (code: DeepLinkingErrorCode, note: string, details: Record<string, unknown> = {}) =>
    fail(deps, timeline, code, { step: 'deep_link_response', ends: 'event', workspaceId: platform.workspace_id, frameAncestors: frameAncestorsOf(platform), note, details });
  if (!form.success) return refuse('deep_link_selection_invalid', 'the picker form was not understood');
  const { action } = form.data;

  // The choice: nothing (cancel), or the scenarios picked — each one of this workspace.
  const ids = [...new Set(form.data.scenario)];
  const chosen: Scenario[] = [];
  if (action === 'add') {
    if (ids.length === 0) return renderPicker(deps, form.data.session, session, entry, 400, 'Choose a scenario first, or Cancel.');
    for (const id of ids) {
      const scenario = z.uuid().safeParse(id).success ? await deps.scenarios.byId(platform.workspace_id, id) : undefined;
      if (!scenario) return refuse('deep_link_selection_invalid', `scenario ${id} is not in this workspace`, { scenario_id: id });
      // Archived while the picker was open: adding it would create a link every launch refuses.
      if (scenario.archived_at) return refuse('deep_link_selection_invalid', `scenario ${scenario.slug} is archived`, { scenario_id: id, slug: scenario.slug });
      chosen.push(scenario);
    }
  }

  const launchUrl = toolEndpoints(deps.config.PUBLIC_URL).launch;
  const items: LtiResourceLinkItem[] = chosen.map((s) => ({
    type: CONTENT_ITEM_TYPE.ltiResourceLink,
    title: s.title.slice(0, 255),
    ...(s.description ? { text: s.description.slice(0, 4096) } : {}),
    // Always explicit: a link without url becomes "Invalid Link" on some platforms.
    url: launchUrl,
    custom: { scenario_id: s.slug },
    // Dropped by the builder when the platform says accept_lineitem=false.
    lineItem: { label: s.title.slice(0, 255), scoreMaximum: SCORE_MAXIMUM, resourceId: s.id },
  }));

  let claims: ReturnType<typeof buildDeepLinkingResponse>;
  try {
    claims = buildDeepLinkingResponse({
      request: { deploymentId: session.deploymentId, settings: session.settings, issuer: platform.issuer, clientId: platform.client_id },
      items,
      ...(action === 'cancel' ? { msg: CANCEL_MESSAGE } : {}),
    });
  } catch (e) {
    if (!isDeepLinkingError(e)) throw e;
    return refuse(e.code, e.message, e.details);
  }
  const signing = await deps.keys.signingKey();
  const jwt = await signDeepLinkingResponse(claims, { key: signing.key, kid: signing.kid, expiresInSec: RESPONSE_TTL_SEC });

  const sent = claims[DL_CLAIM.contentItems] as Record<string, unknown>[];
  timeline.ok('deep_link_response', {
    items: sent.length,
    cancelled: action === 'cancel',
    scenarios: chosen.map((s) => s.slug),
    line_items: sent.filter((i) => i.lineItem !== undefined).length,
    accept_multiple: deepLinkingFlag(session.settings.accept_multiple) ?? null,
    accept_lineitem: deepLinkingFlag(session.settings.accept_lineitem) ?? null,
    data_echoed: DL_CLAIM.data in claims,
    // What the platform will check: LMSes report a bad response as a bare "JWT verification failure".
    iss: claims.iss,
    aud: claims.aud,
    deployment_id: session.deploymentId,
    kid: signing.kid,
    alg: 'RS256',
    expires_in_sec: RESPONSE_TTL_SEC,
    return_url: urlForLog(session.settings.deep_link_return_url),
  });
  // A picker answers once: a double submit or a back-button resubmit must not add twice.
  if (!(await recordDeepLinkResponse(deps.db, session.correlationId, platform.workspace_id, timeline.events))) {
    return fail(deps, null, 'deep_link_already_sent', { step: 'deep_link_response', note: 'this picker already answered the LMS' });
  }
  deps.logger.info({ correlationId: session.correlationId, items: sent.length, kid: signing.kid }, 'deep-linking response sent');
  return page(200, session.correlationId, (nonce) => deepLinkingFormHtml(session.settings.deep_link_return_url, jwt, { nonce }), { frameAncestors: frameAncestorsOf(platform) });
}
