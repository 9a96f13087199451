// Hop 2 — the launch (redirect URI). Reads top to bottom as the hop list in
// docs/architecture.md: state → signature → claims → deployment → target → scenario (or the
// deep-linking picker) → provision → land. The decisions are packages/lti's pure checks; this
// handler does the I/O around them. Every refusal has its own error code, records the
// timeline, uses up the login state and creates nothing.

import { findLoginState, loginEventsOf } from '@tether/db';
import {
  CLAIM,
  checkDeepLinkingSettings,
  checkDeployment,
  checkLoginStateFresh,
  checkTargetLinkUri,
  decideStateBinding,
  isLtiError,
  type LaunchRecord,
  MESSAGE_TYPE,
  scenarioRefOf,
  toLaunchRecord,
  type ValidatedLaunch,
  validateIdToken,
  validationStepOf,
} from '@tether/lti';
import type { Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { pickerSummary } from '../deep-linking/picker-summary.js';
import type { RuntimeDeps } from '../deps.js';
import { readForm } from '../http/read-body.js';
import { finishLaunch, type LaunchNext } from '../launch/finish-launch.js';
import { startStorageCheck } from '../launch/storage-continuation.js';
import { redactClaims } from '../redact.js';
import { type FailureContext, fail } from '../respond.js';
import { newCorrelationId, stateCookieName } from '../security.js';
import { Timeline } from '../timeline.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function launchHandler(deps: RuntimeDeps) {
  const toolOrigin = new URL(deps.config.PUBLIC_URL).origin;

  return async (c: Context): Promise<Response> => {
    // A broken or unsafe body is anonymous garbage: refused before anything is read or recorded.
    const read = await readForm(c);
    if (!read.ok) return fail(deps, null, read.error.code, { step: 'launch_received', note: read.error.message });
    const form = read.value.values;
    const idToken = str(form.id_token);
    const stateParam = str(form.state);
    const storageTarget = str(form.lti_storage_target);
    let timeline = new Timeline(newCorrelationId());

    // The platform may answer the auth request with an error instead of a token.
    if (str(form.error)) {
      const s = stateParam ? await findLoginState(deps.db, stateParam) : undefined;
      // Recorded only against a login of ours; an error post with no known state is anonymous.
      return fail(deps, s ? new Timeline(s.correlation_id, loginEventsOf(s)) : null, 'platform_error', {
        step: 'launch_received',
        workspaceId: s?.workspace_id,
        platformId: s?.platform_id,
        issuer: s?.issuer,
        clientId: s?.client_id,
        state: s?.state,
        note: `${str(form.error)}${str(form.error_description) ? `: ${str(form.error_description)}` : ''}`.slice(0, 300),
      });
    }
    if (!stateParam) return fail(deps, null, 'invalid_request', { step: 'launch_received', note: 'the launch has no state parameter' });

    // 1. State: issued by this tool, unused, unexpired, bound to this browser; the timeline
    //    continues under the login's correlation ID. Used up when the launch completes or fails.
    const login = await findLoginState(deps.db, stateParam);
    // A state this tool never issued (or long since deleted): nothing to attach it to.
    if (!login) return fail(deps, null, 'state_unknown', { step: 'state' });
    // The login's events (kept on its state row) lead this launch's timeline — once: a replay's
    // timeline already holds them.
    timeline = new Timeline(login.correlation_id, login.consumed_at ? [] : loginEventsOf(login));
    const who: Omit<FailureContext, 'step'> = {
      workspaceId: login.workspace_id,
      platformId: login.platform_id,
      issuer: login.issuer,
      clientId: login.client_id,
      state: login.state,
    };
    timeline.ok('launch_received', { has_id_token: !!idToken, lti_storage_target: storageTarget ?? null });
    const loginView = { expiresAt: login.expires_at, consumedAt: login.consumed_at, storage: login.storage, deploymentIdHint: login.deployment_id_hint };
    const fresh = checkLoginStateFresh(loginView, new Date());
    if (!fresh.ok) return fail(deps, timeline, fresh.code, { step: 'state', ...who });
    const cookieName = stateCookieName(stateParam);
    const bound = decideStateBinding({ state: stateParam, cookie: getCookie(c, cookieName), storageTarget, login: loginView });
    if (!bound.ok) {
      const details = bound.code === 'state_missing' ? { user_agent: c.req.header('user-agent')?.slice(0, 200) ?? null } : undefined;
      return fail(deps, timeline, bound.code, { step: 'state', ...who, ...(bound.note ? { note: bound.note } : {}), ...(details ? { details } : {}) });
    }
    const binding = bound.binding;
    timeline.ok('state', { binding, ...(binding === 'platform_storage' ? { pending: 'checked in the browser via lti.get_data' } : {}) });

    // 2. Signature and claims, against the platform that issued this state.
    const entry = await deps.platforms.findById(login.platform_id);
    if (!entry) return fail(deps, timeline, 'unknown_platform', { step: 'platform_resolved', ...who, note: 'the connection was removed after the login' });
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
      return fail(deps, timeline, e.code, { step: validationStepOf(e.code), ...who, note: e.message, details: e.details });
    }

    // 3. Deployment: the login's hint must match; unknown ones are refused (strict) or learned.
    const known = entry.deploymentIds.has(record.deploymentId);
    const deployment = checkDeployment({ claim: record.deploymentId, loginHint: login.deployment_id_hint, known, policy: platform.deployment_policy });
    if (!deployment.ok) return fail(deps, timeline, deployment.code, { step: 'deployment', ...who, ...(deployment.details ? { details: deployment.details } : {}) });
    timeline.ok('deployment', { deployment_id: record.deploymentId, known, ...(deployment.learn ? { learned: true } : {}) });

    // 4. Where it goes (the message type itself was checked with the claims): a signed
    //    target_link_uri must point at this tool; a resource link goes to its scenario, a
    //    deep-linking request to the scenario picker.
    const target = checkTargetLinkUri({ messageType: record.messageType, targetLinkUri: record.targetLinkUri, toolOrigin });
    if (!target.ok) return fail(deps, timeline, target.code, { step: 'message_type', ...who, ...(target.details ? { details: target.details } : {}) });
    let next: LaunchNext;
    if (validated.messageType === MESSAGE_TYPE.deepLinking) {
      const settings = validated.claims[CLAIM.deepLinkingSettings];
      const picker = checkDeepLinkingSettings(settings);
      if (!picker.ok)
        return fail(deps, timeline, picker.code, { step: 'deep_link_picker', ...who, ...(picker.note ? { note: picker.note } : {}), details: pickerSummary(settings) });
      next = { kind: 'picker', settings };
    } else {
      const scenarioRef = scenarioRefOf(record.custom);
      const found = deps.scenarios.launchable(scenarioRef ? await deps.scenarios.byRef(platform.workspace_id, scenarioRef) : undefined);
      if (!found.ok) {
        return fail(deps, timeline, scenarioRef ? found.code : 'scenario_id_missing', {
          step: 'scenario',
          ...who,
          note: !scenarioRef
            ? 'the activity has no custom parameter scenario_id'
            : found.code === 'scenario_archived'
              ? `scenario_id=${scenarioRef} names the archived scenario "${found.scenario?.title}"`
              : `scenario_id=${scenarioRef} does not match a scenario of this workspace`,
          details: { scenario_id: scenarioRef ?? null, ...(found.scenario ? { slug: found.scenario.slug } : {}) },
        });
      }
      const { scenario } = found;
      timeline.ok('scenario', { scenario_id: scenario.id, slug: scenario.slug, by: scenarioRef === scenario.id ? 'id' : 'slug' });
      next = { kind: 'scenario', scenario };
    }

    // 5. Provision, store, land — cookie-less: after the browser proved the state from platform storage.
    const finish = { entry, record, state: stateParam, learnDeployment: deployment.learn, next };
    if (binding === 'platform_storage') return startStorageCheck(deps, timeline, { ...finish, storageTarget, loginNonce: login.nonce });
    deleteCookie(c, cookieName, { path: '/lti', secure: true, sameSite: 'None', partitioned: true });
    return finishLaunch(c, deps, timeline, finish);
  };
}
