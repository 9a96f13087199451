// Hop 2 — the launch (redirect URI). Reads top to bottom like DESIGN.md: state → signature
// → claims → deployment → message type → scenario → provision → land (a deep-linking request
// opens the scenario picker instead of a scenario). Every check has its own error code; a
// failure records the timeline and creates nothing.
import type { Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { appendEvents, consumeLoginState, findLoginState, type Scenario } from '@tether/db';
import { CLAIM, isLtiError, isInstructor, LtiError, MESSAGE_TYPE, toolEndpoints, validateIdToken, type ValidatedLaunch } from '@tether/lti';
import { deepLinkContinuation, openPicker } from '../deep-linking/open-picker.js';
import type { RuntimeDeps } from '../deps.js';
import { completeLaunch } from '../launch/complete-launch.js';
import { toLaunchRecord, type LaunchRecord } from '../launch/launch-record.js';
import { storageLaunchPage } from '../pages/storage-pages.js';
import type { PlatformEntry } from '../platform-directory.js';
import { redactClaims } from '../redact.js';
import { fail, page, type FailureContext } from '../respond.js';
import { newCorrelationId, stateCookieName } from '../security.js';
import { Timeline } from '../timeline.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function launchHandler(deps: RuntimeDeps) {
  const toolOrigin = new URL(deps.config.PUBLIC_URL).origin;

  return async (c: Context): Promise<Response> => {
    const form = (c.req.header('content-type') ?? '').includes('form') ? await c.req.parseBody() : {};
    const idToken = str(form.id_token);
    const stateParam = str(form.state);
    let timeline = new Timeline(newCorrelationId());

    // The platform may answer the auth request with an error instead of a token.
    if (str(form.error)) {
      const s = stateParam ? await findLoginState(deps.db, stateParam) : undefined;
      if (s) timeline = new Timeline(s.correlation_id);
      return fail(c, deps, timeline, 'platform_error', {
        step: 'launch_received',
        workspaceId: s?.workspace_id, platformId: s?.platform_id, issuer: s?.issuer, clientId: s?.client_id, consumeState: s?.state,
        note: `${str(form.error)}${str(form.error_description) ? `: ${str(form.error_description)}` : ''}`.slice(0, 300),
      });
    }
    if (!stateParam) return fail(c, deps, timeline, 'invalid_request', { step: 'launch_received', note: 'the launch has no state parameter' });

    // 1. State: issued by this tool, unused, unexpired; the timeline continues under the
    //    login's correlation ID. It is consumed atomically when the launch completes (or fails).
    const login = await findLoginState(deps.db, stateParam);
    if (!login) return fail(c, deps, timeline, 'state_unknown', { step: 'state' });
    timeline = new Timeline(login.correlation_id);
    const who: Omit<FailureContext, 'step'> = { workspaceId: login.workspace_id, platformId: login.platform_id, issuer: login.issuer, clientId: login.client_id, consumeState: login.state };
    timeline.ok('launch_received', { has_id_token: !!idToken, lti_storage_target: str(form.lti_storage_target) ?? null });
    if (login.consumed_at) return fail(c, deps, timeline, 'nonce_replayed', { step: 'state', ...who });
    if (login.expires_at.getTime() < Date.now()) return fail(c, deps, timeline, 'state_expired', { step: 'state', ...who });

    const cookieName = stateCookieName(stateParam);
    const cookie = getCookie(c, cookieName);
    let binding: 'cookie' | 'platform_storage';
    if (cookie === stateParam) binding = 'cookie';
    else if (cookie !== undefined) return fail(c, deps, timeline, 'state_unknown', { step: 'state', ...who, note: 'the state cookie of this browser holds another state' });
    else if (str(form.lti_storage_target) || login.storage === 'platform_storage') binding = 'platform_storage';
    else return fail(c, deps, timeline, 'state_missing', { step: 'state', ...who, details: { user_agent: c.req.header('user-agent')?.slice(0, 200) ?? null } });
    timeline.ok('state', { binding, ...(binding === 'platform_storage' ? { pending: 'checked in the browser via lti.get_data' } : {}) });

    // 2. Signature and claims, against the platform that issued this state.
    const entry = await deps.platforms.findById(login.platform_id);
    if (!entry) return fail(c, deps, timeline, 'unknown_platform', { step: 'platform_resolved', ...who, note: 'the connection was removed after the login' });
    const { platform } = entry;
    let validated: ValidatedLaunch;
    let record: LaunchRecord;
    try {
      validated = await validateIdToken(idToken, {
        platform: { issuer: platform.issuer, clientId: platform.client_id, jwksUrl: platform.jwks_url },
        expectedNonce: login.nonce,
        keys: deps.jwks,
        clockToleranceSec: deps.config.CLOCK_SKEW_SEC,
        maxAgeSec: deps.config.ID_TOKEN_MAX_AGE_SEC,
        trace: (step, details) => {
          if (step === 'signature') timeline.ok(step, details);
        },
      });
      record = toLaunchRecord(validated);
      // Failures from here on show the learner, course and deployment in troubleshooting.
      who.record = record;
      timeline.ok('claims', { message_type: validated.messageType, deployment_id: validated.deploymentId, claims: redactClaims(validated.claims) });
    } catch (e) {
      if (!isLtiError(e)) throw e;
      const step = ['jwt_malformed', 'alg_not_allowed', 'kid_missing', 'kid_not_found', 'jwks_unreachable', 'bad_signature'].includes(e.code) ? 'signature' : 'claims';
      return fail(c, deps, timeline, e.code, { step, ...who, note: e.message, details: e.details });
    }

    // 3. Deployment: the login's hint must match; unknown ones are refused (strict) or learned.
    if (login.deployment_id_hint && login.deployment_id_hint !== record.deploymentId) {
      return fail(c, deps, timeline, 'deployment_mismatch', { step: 'deployment', ...who, details: { login: login.deployment_id_hint, claim: record.deploymentId } });
    }
    const known = entry.deploymentIds.has(record.deploymentId);
    if (!known && platform.deployment_policy === 'strict') {
      return fail(c, deps, timeline, 'unknown_deployment', { step: 'deployment', ...who, details: { deployment_id: record.deploymentId, policy: 'strict' } });
    }
    timeline.ok('deployment', { deployment_id: record.deploymentId, known, ...(known ? {} : { learned: true }) });

    // 4. Message type and where it goes: a resource link to its scenario, a deep-linking
    //    request to the scenario picker. A signed target_link_uri must point at this tool.
    if (record.messageType !== MESSAGE_TYPE.resourceLink && record.messageType !== MESSAGE_TYPE.deepLinking) {
      return fail(c, deps, timeline, 'unsupported_message_type', { step: 'message_type', ...who, details: { message_type: record.messageType } });
    }
    const target = record.targetLinkUri; // required for resource links, optional for deep linking
    if (target ? new URL(target).origin !== toolOrigin : record.messageType === MESSAGE_TYPE.resourceLink) {
      return fail(c, deps, timeline, 'target_link_uri_invalid', { step: 'message_type', ...who, details: { target_link_uri: record.targetLinkUri } });
    }
    if (validated.messageType === MESSAGE_TYPE.deepLinking) {
      // Provision the instructor and open the picker (deep-linking/); cookie-less: after the storage check.
      const settings = validated.claims[CLAIM.deepLinkingSettings];
      if (binding === 'platform_storage') {
        return storageCheck(c, deps, timeline, entry, stateParam, str(form.lti_storage_target), deepLinkContinuation(deps, record, settings, !known));
      }
      deleteCookie(c, cookieName, { path: '/lti', secure: true, sameSite: 'None', partitioned: true });
      return openPicker(c, deps, timeline, { entry, record, settings, learnDeployment: !known, state: stateParam });
    }
    const scenarioRef = record.custom.scenario_id?.trim();
    const scenario = scenarioRef ? await deps.scenarios.byRef(platform.workspace_id, scenarioRef) : undefined;
    if (!scenario) {
      return fail(c, deps, timeline, 'scenario_not_found', {
        step: 'scenario', ...who,
        note: scenarioRef ? `scenario_id=${scenarioRef} does not match a scenario of this workspace` : 'the activity has no custom parameter scenario_id',
        details: { scenario_id: scenarioRef ?? null },
      });
    }
    timeline.ok('scenario', { scenario_id: scenario.id, slug: scenario.slug, by: scenarioRef === scenario.id ? 'id' : 'slug' });

    // Cookie-less: the browser proves the state from platform storage before we go on.
    if (binding === 'platform_storage') {
      return storageCheck(c, deps, timeline, entry, stateParam, str(form.lti_storage_target), {
        url: `${toolEndpoints(deps.config.PUBLIC_URL).launch}/continue`,
        purpose: 'launch-continue',
        data: { scenario: scenario.id, learn: known ? '0' : '1', record: JSON.stringify(record) },
      });
    }

    // 5. Provision, store, land.
    deleteCookie(c, cookieName, { path: '/lti', secure: true, sameSite: 'None', partitioned: true });
    return land(c, deps, timeline, entry, record, scenario, !known, stateParam);
  };
}

async function land(c: Context, deps: RuntimeDeps, timeline: Timeline, entry: PlatformEntry, record: LaunchRecord, scenario: Scenario, learn: boolean, state: string | null) {
  const who = { workspaceId: entry.platform.workspace_id, platformId: entry.platform.id, issuer: entry.platform.issuer, clientId: entry.platform.client_id };
  try {
    const done = await completeLaunch(deps, timeline, { entry, record, scenario, learnDeployment: learn, state });
    deps.logger.info({ correlationId: timeline.correlationId, launchId: done.launchId, instructor: isInstructor(record.roles) }, 'launch landed');
    c.header('x-correlation-id', timeline.correlationId);
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    return c.redirect(`/learn?session=${encodeURIComponent(done.sessionToken)}`, 303);
  } catch (e) {
    if (e instanceof LtiError) return fail(c, deps, timeline, e.code, { step: 'provisioning', ...who, note: e.message });
    throw e;
  }
}

/** Where the cookie-less check continues once the browser proved the state: a signed token's purpose and data. */
interface Continuation {
  url: string;
  purpose: string;
  data: Record<string, string>;
}

async function storageCheck(c: Context, deps: RuntimeDeps, timeline: Timeline, entry: PlatformEntry, state: string, target: string | undefined, next: Continuation) {
  const { token } = await deps.tokens.sign({
    purpose: next.purpose,
    data: { cid: timeline.correlationId, platform: entry.platform.id, ...next.data },
    ttlSec: 120,
  });
  // The state is used up now; the continuation completes under the launch's own guard.
  // Events so far are kept; the continuation appends the rest.
  const consumed = await consumeLoginState(deps.db, state);
  if (!consumed.ok) return fail(c, deps, timeline, 'nonce_replayed', { step: 'state', workspaceId: entry.platform.workspace_id, platformId: entry.platform.id });
  await appendEvents(deps.db, timeline.correlationId, entry.platform.workspace_id, timeline.events);
  const continueUrl = `${next.url}?token=${encodeURIComponent(token)}`;
  return page(c, 200, timeline.correlationId, (nonce) =>
    storageLaunchPage({ nonce, continueUrl, platformOrigin: new URL(entry.platform.auth_login_url).origin, target: target ?? '_parent', state }),
  );
}

export { land };
