// The end of a validated LtiDeepLinkingRequest launch: instead of routing to a scenario, check
// the platform can take what Tether returns, provision the instructor, store the launch as
// landed, and open the picker with the deep-linking context in a signed session token.
import type { Context } from 'hono';
import { appendEvents, provisionLtiMember, sql, type EventInput } from '@tether/db';
import { CONTENT_ITEM_TYPE, deepLinkingFlag, deepLinkingPolicy, LtiError, type DeepLinkingClaims, type DeepLinkingSettingsInput } from '@tether/lti';
import type { RuntimeDeps } from '../deps.js';
import type { LaunchRecord } from '../launch/launch-record.js';
import type { PlatformEntry } from '../platform-directory.js';
import { fail } from '../respond.js';
import type { Timeline } from '../timeline.js';
import { deepLinkFailure } from './failure.js';
import { signPickerSession } from './session.js';

export const PICKER_PATH = '/lti/deep-link';
export const CONTINUE_PATH = '/lti/deep-link/continue';

export type DeepLinkingSettings = DeepLinkingClaims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'];

export interface OpenPickerInput {
  entry: PlatformEntry;
  record: LaunchRecord;
  settings: DeepLinkingSettings;
  learnDeployment: boolean;
  /** The login state to consume now; null when the cookie-less path consumed it earlier. */
  state: string | null;
}

/** Where a URL goes, without its query (Moodle's return URL carries a sesskey). */
export const urlForLog = (u: string) => {
  try {
    const url = new URL(u);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid)';
  }
};

const isHttp = (u: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(u).protocol);
  } catch {
    return false;
  }
};

export async function openPicker(c: Context, deps: RuntimeDeps, timeline: Timeline, input: OpenPickerInput): Promise<Response> {
  const { platform } = input.entry;
  const settings = input.settings as DeepLinkingSettingsInput;
  const failing = { workspaceId: platform.workspace_id, launch: { platformId: platform.id, issuer: platform.issuer, clientId: platform.client_id, consumeState: input.state } };
  const summary = {
    accept_types: settings.accept_types,
    accept_multiple: deepLinkingFlag(settings.accept_multiple) ?? null,
    accept_lineitem: deepLinkingFlag(settings.accept_lineitem) ?? null,
    accept_presentation_document_targets: settings.accept_presentation_document_targets ?? [],
    return_url: urlForLog(settings.deep_link_return_url),
    has_data: settings.data !== undefined,
  };

  // The platform must be able to take an LTI resource link, and give a return URL we may post to.
  if (!isHttp(settings.deep_link_return_url)) {
    return deepLinkFailure(c, deps, timeline, 'deep_link_settings_invalid', { step: 'deep_link_picker', ...failing, note: 'deep_link_return_url is not an http(s) URL', details: summary });
  }
  if (!deepLinkingPolicy(settings).acceptTypes.includes(CONTENT_ITEM_TYPE.ltiResourceLink)) {
    return deepLinkFailure(c, deps, timeline, 'deep_link_type_not_accepted', {
      step: 'deep_link_picker', ...failing,
      note: `this placement accepts ${settings.accept_types.join(', ')}; Tether returns ltiResourceLink`,
      details: summary,
    });
  }

  let launchId: string;
  try {
    launchId = await completeDeepLinkingLaunch(deps, timeline, input, summary);
  } catch (e) {
    if (e instanceof LtiError) return fail(c, deps, timeline, e.code, { step: 'provisioning', workspaceId: platform.workspace_id, platformId: platform.id, issuer: platform.issuer, clientId: platform.client_id, note: e.message });
    throw e;
  }

  const session = await signPickerSession(deps, {
    correlationId: timeline.correlationId,
    platformId: platform.id,
    launchId,
    deploymentId: input.record.deploymentId,
    settings,
    contextTitle: input.record.contextTitle,
  });
  deps.logger.info({ correlationId: timeline.correlationId, launchId }, 'deep-linking picker opened');
  c.header('x-correlation-id', timeline.correlationId);
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'no-referrer');
  return c.redirect(`${PICKER_PATH}?session=${encodeURIComponent(session)}`, 303);
}

class ReplayedLaunch extends Error {}

/**
 * One transaction: consume the state (single use), learn the deployment, provision the
 * instructor as a Member, mark the launch landed (no scenario yet), write the timeline.
 */
async function completeDeepLinkingLaunch(deps: RuntimeDeps, timeline: Timeline, input: OpenPickerInput, picker: Record<string, unknown>): Promise<string> {
  const { platform } = input.entry;
  const r = input.record;
  let drafted: EventInput[] = [];
  const launchId = await deps.db
    .transaction()
    .execute(async (trx) => {
      if (input.state) {
        const consumed = await trx
          .updateTable('login_states')
          .set({ consumed_at: sql`now()` })
          .where('state', '=', input.state)
          .where('consumed_at', 'is', null)
          .returning('state')
          .executeTakeFirst();
        if (!consumed) return null;
      }
      if (input.learnDeployment) {
        await trx
          .insertInto('deployments')
          .values({ platform_id: platform.id, deployment_id: r.deploymentId, source: 'launch' })
          .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing())
          .execute();
      }
      const member = await provisionLtiMember(trx, {
        workspaceId: platform.workspace_id, platformId: platform.id, issuer: platform.issuer, sub: r.sub,
        name: r.name, givenName: r.givenName, familyName: r.familyName, email: r.email,
      });
      const launch = await trx
        .updateTable('launches')
        .set({
          deployment_id: r.deploymentId,
          message_type: r.messageType,
          lti_sub: r.sub,
          context_id: r.contextId,
          context_title: r.contextTitle,
          resource_link_id: null,
          resource_link_title: null,
          scenario_id: null,
          roles: r.roles,
          ags_lineitem_url: r.agsLineItem,
          ags_lineitems_url: r.agsLineItems,
          ags_scopes: r.agsScopes,
          nrps_memberships_url: r.nrpsUrl,
          user_id: member.userId,
          status: 'landed',
          completed_at: sql`now()`,
        })
        .where('correlation_id', '=', timeline.correlationId)
        .where('status', '=', 'started')
        .returning('id')
        .executeTakeFirst();
      // Already landed or failed (a replayed continuation): undo the provisioning too.
      if (!launch) throw new ReplayedLaunch();
      drafted = [timeline.draft('provisioning', { created: member.created, roles: r.roles }), timeline.draft('deep_link_picker', picker)];
      await appendEvents(trx, timeline.correlationId, platform.workspace_id, [...timeline.events, ...drafted]);
      return launch.id;
    })
    .catch((e) => {
      if (e instanceof ReplayedLaunch) return null;
      throw e;
    });
  if (!launchId) throw new LtiError('nonce_replayed', 'This launch was already completed');
  timeline.commit(drafted);
  if (input.learnDeployment) deps.platforms.rememberDeployment(platform.id, r.deploymentId);
  return launchId;
}

/** The cookie-less path: what the platform-storage check page continues with. */
export function deepLinkContinuation(deps: RuntimeDeps, record: LaunchRecord, settings: DeepLinkingSettings, learnDeployment: boolean) {
  return {
    url: `${deps.config.PUBLIC_URL}${CONTINUE_PATH}`,
    purpose: 'deep-link-continue',
    data: { learn: learnDeployment ? '1' : '0', record: JSON.stringify(record), settings: JSON.stringify(settings) },
  };
}
