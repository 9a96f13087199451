// Hops 3–5 after a validated launch, for every way a launch ends well: a resource link landing
// on its scenario, or a deep-linking request opening the picker — over the cookie path or the
// cookie-less continuation. One statement consumes the login state, provisions the Member,
// stores the launch and its timeline (packages/db completeLaunchRecord).
import { completeLaunchRecord, type LaunchDetails } from '@tether/db';
import { type LaunchRecord, LtiError } from '@tether/lti';
import type { RuntimeDeps } from '../deps.js';
import type { PlatformEntry } from '../platform-directory.js';
import type { Timeline } from '../timeline.js';

/** What the launch lands on: a scenario, or the deep-linking picker (no scenario yet). */
export type LaunchTarget = { kind: 'scenario'; scenarioId: string; slug: string } | { kind: 'picker'; summary: Record<string, unknown> };

export interface CompletedLaunch {
  launchId: string;
  userId: string;
  displayName: string;
}

/** The launch row's columns, from the verified claims: one mapping for landed and failed launches. */
export function launchDetailsOf(r: LaunchRecord): LaunchDetails {
  return {
    deployment_id: r.deploymentId,
    message_type: r.messageType,
    lti_sub: r.sub,
    context_id: r.contextId,
    context_title: r.contextTitle,
    resource_link_id: r.resourceLinkId,
    resource_link_title: r.resourceLinkTitle,
    roles: r.roles,
    ags_lineitem_url: r.agsLineItem,
    ags_lineitems_url: r.agsLineItems,
    ags_scopes: r.agsScopes,
    nrps_memberships_url: r.nrpsUrl,
  };
}

/** Completes the launch, or throws `nonce_replayed` when its login state was used already. */
export async function completeLaunch(
  deps: RuntimeDeps,
  timeline: Timeline,
  input: {
    entry: PlatformEntry;
    record: LaunchRecord;
    state: string;
    /** The launch row's id, chosen before the statement (the landing session names it). */
    launchId: string;
    /** A scenario landing's single-use code and session contents, left on the consumed state. */
    landing?: { codeHash: string; session: Record<string, string> };
    learnDeployment: boolean;
    target: LaunchTarget;
  },
): Promise<CompletedLaunch> {
  const { platform } = input.entry;
  const r = input.record;
  const target = input.target;
  // `created` is filled in by the statement, which is where it is decided.
  const drafted = [
    timeline.draft('provisioning', { roles: r.roles }),
    target.kind === 'scenario' ? timeline.draft('landed', { scenario: target.slug }) : timeline.draft('deep_link_picker', target.summary),
  ];
  const result = await completeLaunchRecord(deps.db, {
    correlationId: timeline.correlationId,
    launchId: input.launchId,
    ...(input.landing ? { landing: input.landing } : {}),
    state: input.state,
    clientId: platform.client_id,
    user: {
      workspaceId: platform.workspace_id,
      platformId: platform.id,
      issuer: platform.issuer,
      sub: r.sub,
      name: r.name,
      givenName: r.givenName,
      familyName: r.familyName,
      email: r.email,
    },
    learnDeployment: input.learnDeployment ? r.deploymentId : null,
    launch: {
      ...launchDetailsOf(r),
      // A deep-linking launch belongs to no resource link or scenario until the picker answers.
      ...(target.kind === 'picker' ? { resource_link_id: null, resource_link_title: null } : {}),
      scenario_id: target.kind === 'scenario' ? target.scenarioId : null,
    },
    events: [...timeline.events, ...drafted],
  });
  // Only one completion per login: a replay (or a replayed continuation) finds it used.
  if (!result.ok) throw new LtiError('nonce_replayed', 'This launch was already completed');
  drafted[0] = { ...drafted[0]!, details: { ...drafted[0]!.details, created: result.created } };
  timeline.commit(drafted);
  if (input.learnDeployment) deps.platforms.rememberDeployment(platform.id, r.deploymentId);
  return { launchId: result.launchId, userId: result.userId, displayName: result.displayName };
}
