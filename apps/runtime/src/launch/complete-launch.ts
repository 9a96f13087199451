// Hops 3–5 after a validated launch: provision the Member, store the launch, record the
// timeline — one transaction — then hand the learner a session for the scenario page.
import { appendEvents, provisionLtiMember, type Scenario } from '@tether/db';
import { LtiError } from '@tether/lti';
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
  input: { entry: PlatformEntry; record: LaunchRecord; scenario: Scenario; learnDeployment: boolean },
): Promise<CompletedLaunch> {
  const { platform } = input.entry;
  const r = input.record;
  const result = await deps.db.transaction().execute(async (trx) => {
    if (input.learnDeployment) {
      await trx
        .insertInto('deployments')
        .values({ platform_id: platform.id, deployment_id: r.deploymentId, source: 'launch' })
        .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing())
        .execute();
    }
    const member = await provisionLtiMember(trx, {
      workspaceId: platform.workspace_id,
      platformId: platform.id,
      issuer: platform.issuer,
      sub: r.sub,
      name: r.name,
      givenName: r.givenName,
      familyName: r.familyName,
      email: r.email,
    });
    timeline.ok('provisioning', { user_id: member.userId, created: member.created, roles: r.roles });
    const launch = await trx
      .updateTable('launches')
      .set({
        deployment_id: r.deploymentId,
        message_type: r.messageType,
        user_id: member.userId,
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
        status: 'landed',
        completed_at: new Date(),
      })
      .where('correlation_id', '=', timeline.correlationId)
      .where('status', '=', 'started')
      .returning('id')
      .executeTakeFirst();
    // Only one completion per login: a replayed continuation finds the launch already landed.
    if (!launch) throw new LtiError('nonce_replayed', 'This launch was already completed');
    timeline.ok('landed', { launch_id: launch.id, scenario: input.scenario.slug });
    await appendEvents(trx, timeline.correlationId, platform.workspace_id, timeline.events);
    return { launchId: launch.id, userId: member.userId };
  });
  if (input.learnDeployment) deps.platforms.rememberDeployment(platform.id, r.deploymentId);
  const { token } = await deps.tokens.sign({
    purpose: 'learner-session',
    data: { launch: result.launchId, user: result.userId, workspace: platform.workspace_id, cid: timeline.correlationId },
    ttlSec: deps.config.LEARNER_SESSION_TTL_SEC,
  });
  return { ...result, sessionToken: token };
}
