// The cookie-less path (LTI client-side postMessage storage), both halves, for resource-link
// and deep-linking launches alike: the launch answers with a page that reads the state and its
// nonce back from platform storage and POSTs them — the proof — with a signed continuation
// (carrying the verified launch) to /lti/launch/continue. The server checks the proof against
// the login before anything is provisioned, then completes the launch like the cookie path.
import { timingSafeEqual } from 'node:crypto';

import { isCryptoError } from '@tether/crypto';
import { appendEvents } from '@tether/db';
import { deepLinkingSettingsSchema, launchRecordSchema, toolEndpoints } from '@tether/lti';
import type { Context } from 'hono';
import type { RuntimeDeps } from '../deps.js';
import { readForm } from '../http/read-body.js';
import { storageLaunchPage } from '../pages/storage-pages.js';
import { fail, page } from '../respond.js';
import { frameAncestorsOf, hashCode, newCorrelationId } from '../security.js';
import { Timeline } from '../timeline.js';
import type { FinishInput, LaunchNext } from './finish-launch.js';

const CONTINUATION_PURPOSE = 'launch-continue';
/** The storage round trip is a few postMessages: two minutes is plenty. */
const CONTINUATION_TTL_SEC = 120;

/** First half: record the events so far and send the storage check page. The state stays unused until completion. */
export async function startStorageCheck(
  deps: RuntimeDeps,
  timeline: Timeline,
  input: FinishInput & { storageTarget: string | undefined /** The login's nonce: the browser must read it back from platform storage. */; loginNonce: string },
): Promise<Response> {
  const { next, entry } = input;
  const { token } = await deps.tokens.sign({
    purpose: CONTINUATION_PURPOSE,
    data: {
      cid: timeline.correlationId,
      platform: entry.platform.id,
      state: input.state,
      // Only a digest: the nonce itself must come from the platform's storage, not from us.
      nh: hashCode(input.loginNonce),
      learn: input.learnDeployment ? '1' : '0',
      record: JSON.stringify(input.record),
      ...(next.kind === 'scenario' ? { scenario: next.scenario.id } : { settings: JSON.stringify(next.settings) }),
    },
    ttlSec: CONTINUATION_TTL_SEC,
  });
  await appendEvents(deps.db, timeline.correlationId, entry.platform.workspace_id, timeline.events);
  const continueUrl = `${toolEndpoints(deps.config.PUBLIC_URL).launch}/continue`;
  return page(
    200,
    timeline.correlationId,
    (nonce) =>
      storageLaunchPage({ nonce, continueUrl, token, platformOrigin: new URL(entry.platform.auth_login_url).origin, target: input.storageTarget ?? '_parent', state: input.state }),
    // Only the platform may frame the page that reads its storage.
    { frameAncestors: frameAncestorsOf(entry.platform, [input.record.returnUrl]) },
  );
}

/** Second half: verify the continuation and the proof; a Response means the launch failed (recorded). */
export async function resumeFromStorage(c: Context, deps: RuntimeDeps): Promise<{ timeline: Timeline; input: FinishInput } | Response> {
  const read = await readForm(c);
  if (!read.ok) return fail(deps, null, read.error.code, { step: 'state', note: read.error.message });
  const form = read.value.values;
  let data: Record<string, string>;
  try {
    data = (await deps.tokens.verify(form.token ?? '', { purpose: CONTINUATION_PURPOSE })).data;
  } catch (e) {
    if (!isCryptoError(e)) throw e;
    const code = e.code === 'one_time_token_expired' ? 'state_expired' : 'state_unknown';
    return fail(deps, null, code, { step: 'state', note: 'the launch continuation is invalid or expired' });
  }
  const timeline = new Timeline(data.cid ?? newCorrelationId());
  const entry = data.platform ? await deps.platforms.findById(data.platform) : undefined;
  const p = entry?.platform;
  const who = { workspaceId: p?.workspace_id ?? null, platformId: p?.id ?? null, issuer: p?.issuer ?? null, clientId: p?.client_id ?? null, state: data.state ?? null };
  if (form.storage_error) {
    return fail(deps, timeline, 'state_missing', { step: 'state', ...who, note: `platform storage did not confirm the state (${form.storage_error.slice(0, 40)})` });
  }
  // The proof: the state and its nonce as the browser read them from the platform's storage.
  if (!data.state || !data.nh || form.state !== data.state || !form.nonce || !sameDigest(hashCode(form.nonce), data.nh)) {
    return fail(deps, timeline, 'state_missing', { step: 'state', ...who, note: 'the browser did not prove the state from platform storage' });
  }
  timeline.ok('state', { binding: 'platform_storage', confirmed: true });
  if (!entry || !data.state) return fail(deps, timeline, 'unknown_platform', { step: 'platform_resolved', ...who, note: 'the connection was removed during the launch' });
  // The token is ours (signed), so its JSON parses; the schemas guard against a format change between versions.
  const record = launchRecordSchema.parse(JSON.parse(data.record ?? 'null'));
  let next: LaunchNext;
  if (data.settings !== undefined) {
    next = { kind: 'picker', settings: deepLinkingSettingsSchema.parse(JSON.parse(data.settings)) };
  } else {
    const found = deps.scenarios.launchable(await deps.scenarios.byId(entry.platform.workspace_id, data.scenario ?? ''));
    if (!found.ok) {
      const note = found.code === 'scenario_archived' ? 'the scenario was archived during the launch' : 'the scenario was removed during the launch';
      return fail(deps, timeline, found.code, { step: 'scenario', ...who, record, note });
    }
    next = { kind: 'scenario', scenario: found.scenario };
  }
  return { timeline, input: { entry, record, state: data.state, learnDeployment: data.learn === '1', next } };
}

const sameDigest = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
