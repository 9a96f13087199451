// The last hop of every valid launch, whichever state path led here: complete it (one
// statement), then hand the browser on — to the learner landing with a one-time code for its
// signed session, or to the deep-linking picker with a signed picker session.

import type { Scenario } from '@tether/db';
import { AGS_SCOPE, type DeepLinkingClaims, isInstructor, isLtiError, type LaunchRecord } from '@tether/lti';
import type { Context } from 'hono';
import { PICKER_PATH, pickerSummary } from '../deep-linking/picker-summary.js';
import { signPickerSession } from '../deep-linking/session.js';
import type { RuntimeDeps } from '../deps.js';
import type { PlatformEntry } from '../platform-directory.js';
import { fail } from '../respond.js';
import { prepareLearnerLanding } from '../routes/learn.js';
import { frameAncestorsOf, newLaunchId } from '../security.js';
import type { Timeline } from '../timeline.js';
import { type CompletedLaunch, completeLaunch } from './complete-launch.js';

type DeepLinkingSettings = DeepLinkingClaims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'];

/** A score can go back to the LMS for this launch: the platform sent a line item (or a line item container) with the score scope. */
function canCarryGrade(record: LaunchRecord): boolean {
  return (record.agsLineItem !== null || record.agsLineItems !== null) && record.agsScopes.includes(AGS_SCOPE.score);
}

/** Where a valid launch goes: its scenario, or the picker for a deep-linking request. */
export type LaunchNext = { kind: 'scenario'; scenario: Scenario } | { kind: 'picker'; settings: DeepLinkingSettings };

export interface FinishInput {
  entry: PlatformEntry;
  record: LaunchRecord;
  /** The login state the launch proved; consumed by the completion. */
  state: string;
  learnDeployment: boolean;
  next: LaunchNext;
}

export async function finishLaunch(c: Context, deps: RuntimeDeps, timeline: Timeline, input: FinishInput): Promise<Response> {
  const { platform } = input.entry;
  const { next, record } = input;
  const launchId = newLaunchId();
  // A scenario landing's code and session contents are written by the completion statement itself.
  const landing =
    next.kind === 'scenario'
      ? prepareLearnerLanding(input.state, {
          launch: launchId,
          workspace: platform.workspace_id,
          cid: timeline.correlationId,
          scenario: next.scenario.id,
          context: record.contextTitle ?? '',
          course: record.contextId ?? '',
          email: record.email ?? '',
          roles: record.roles.join(' '),
          grade: canCarryGrade(record) ? '1' : '0',
          instructor: isInstructor(record.roles) ? '1' : '0',
          frame: frameAncestorsOf(platform, [record.returnUrl]),
        })
      : undefined;
  let done: CompletedLaunch;
  try {
    done = await completeLaunch(deps, timeline, {
      entry: input.entry,
      record,
      state: input.state,
      launchId,
      landing: landing?.landing,
      learnDeployment: input.learnDeployment,
      target: next.kind === 'scenario' ? { kind: 'scenario', scenarioId: next.scenario.id, slug: next.scenario.slug } : { kind: 'picker', summary: pickerSummary(next.settings) },
    });
  } catch (e) {
    if (!isLtiError(e)) throw e;
    return fail(deps, timeline, e.code, {
      step: 'provisioning',
      workspaceId: platform.workspace_id,
      platformId: platform.id,
      issuer: platform.issuer,
      clientId: platform.client_id,
      note: e.message,
    });
  }
  c.header('x-correlation-id', timeline.correlationId);
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'no-referrer');

  if (next.kind === 'picker') {
    const session = await signPickerSession(deps, {
      correlationId: timeline.correlationId,
      platformId: platform.id,
      launchId: done.launchId,
      deploymentId: record.deploymentId,
      settings: next.settings,
      contextTitle: record.contextTitle,
    });
    deps.logger.info({ correlationId: timeline.correlationId, launchId: done.launchId }, 'deep-linking picker opened');
    return c.redirect(`${PICKER_PATH}?session=${encodeURIComponent(session)}`, 303);
  }

  // No token in the URL: the landing trades the one-time code for the session (routes/learn.ts).
  deps.logger.info({ correlationId: timeline.correlationId, launchId: done.launchId, instructor: isInstructor(record.roles) }, 'launch landed');
  return c.redirect(landing!.location, 303);
}
