// Hops 3–5 after a validated launch: consume the state, provision the Member, store the
// launch and the timeline (one statement for a returning learner, one transaction for a
// new one), then hand the learner a session for the scenario page.
import { completeLaunchRecord, type EventInput, type Scenario } from '@tether/db';
import { isInstructor, LtiError } from '@tether/lti';
import type { RuntimeDeps } from '../deps.js';
import type { PlatformEntry } from '../platform-directory.js';
import type { Timeline } from '../timeline.js';
import type { LaunchRecord } from './launch-record.js';

export interface CompletedLaunch {
  launchId: string;
  userId: string;
  sessionToken: string;
}

export async function completeLaunch(
  deps: RuntimeDeps,
  timeline: Timeline,
  input: { entry: PlatformEntry; record: LaunchRecord; scenario: Scenario; learnDeployment: boolean; state: string | null },
): Promise<CompletedLaunch> {
  const { platform } = input.entry;
  const r = input.record;
  let drafted: EventInput[] = [];
  const result = await completeLaunchRecord(
    deps.db,
    {
      correlationId: timeline.correlationId,
      state: input.state,
      user: { workspaceId: platform.workspace_id, platformId: platform.id, issuer: platform.issuer, sub: r.sub, name: r.name, givenName: r.givenName, familyName: r.familyName, email: r.email },
      learnDeployment: input.learnDeployment ? r.deploymentId : null,
      launch: {
        deployment_id: r.deploymentId,
        message_type: r.messageType,
        lti_sub: r.sub,
        context_id: r.contextId,
        context_title: r.contextTitle,
        resource_link_id: r.resourceLinkId,
        resource_link_title: r.resourceLinkTitle,
        scenario_id: input.scenario.id,
        roles: r.roles,
        ags_lineitem_url: r.agsLineItem,
        ags_lineitems_url: r.agsLineItems,
        ags_scopes: r.agsScopes,
        nrps_memberships_url: r.nrpsUrl,
      },
      events: timeline.events,
    },
    ({ created }) => (drafted = [timeline.draft('provisioning', { created, roles: r.roles }), timeline.draft('landed', { scenario: input.scenario.slug })]),
  );
  // Only one completion per login: a replay (or a replayed continuation) finds it used.
  if (!result.ok) throw new LtiError('nonce_replayed', 'This launch was already completed');
  timeline.commit(drafted);
  if (input.learnDeployment) deps.platforms.rememberDeployment(platform.id, r.deploymentId);
  const { token } = await deps.tokens.sign({
    purpose: 'learner-session',
    // What the landing page shows travels in the (signed) session: landing needs no query.
    data: {
      launch: result.launchId,
      user: result.userId,
      workspace: platform.workspace_id,
      cid: timeline.correlationId,
      scenario: input.scenario.id,
      name: result.displayName,
      context: r.contextTitle ?? '',
      instructor: isInstructor(r.roles) ? '1' : '0',
    },
    ttlSec: deps.config.LEARNER_SESSION_TTL_SEC,
  });
  return { launchId: result.launchId, userId: result.userId, sessionToken: token };
}
