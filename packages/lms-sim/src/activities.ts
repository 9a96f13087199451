/**
 * Activities: the links a course holds. A deep-linking response's `ltiResourceLink` items become
 * activities (with a line item when the item asks for one), and launching one sends what a real
 * LMS sends for a placed link: its resource link, its custom parameters, its url as
 * target_link_uri and the AGS claim pointing at its line item.
 */
import { z } from 'zod';
import { DEFAULT_AGS_SCOPES } from './constants.js';
import { DEFAULT_CONTEXT, personFor } from './defaults.js';
import { insertLineItem, lineItemsUrl, lineItemUrl } from './line-items.js';
import { rememberContext, type SimContext } from './state.js';
import { resolveTool } from './tools.js';
import type { Activity, ActivityInput, LaunchAs, LaunchSpec } from './types.js';
import { isRecord, randomId } from './util.js';

const RESOURCE_LINK = 'ltiResourceLink';

/** What the sim checks of an `ltiResourceLink` item before placing it (Deep Linking 2.0 §3.4.1). */
const ResourceLinkItem = z.looseObject({
  type: z.literal(RESOURCE_LINK),
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }).optional(),
  title: z.string().optional(),
  text: z.string().optional(),
  // They come back as the launch's custom claim, which holds strings only.
  custom: z.record(z.string(), z.string('custom values must be strings')).optional(),
  lineItem: z
    .looseObject({
      scoreMaximum: z.number('lineItem.scoreMaximum is required and must be a number').positive('lineItem.scoreMaximum must be > 0'),
      label: z.string().optional(),
      resourceId: z.string().optional(),
      tag: z.string().optional(),
      gradesReleased: z.boolean().optional(),
    })
    .optional(),
});
type ResourceLinkItem = z.infer<typeof ResourceLinkItem>;

/** Problems with the content items, one line each (empty = every item can be placed). */
export function contentItemProblems(items: unknown[]): string[] {
  const problems: string[] = [];
  items.forEach((item, i) => {
    if (!isRecord(item) || typeof item.type !== 'string') {
      problems.push(`content_items[${i}]: an object with a string "type" is required`);
      return;
    }
    if (item.type !== RESOURCE_LINK) return; // other types are shown, not placed
    const parsed = ResourceLinkItem.safeParse(item);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) problems.push(`content_items[${i}].${issue.path.map(String).join('.')}: ${issue.message}`);
  });
  return problems;
}

/** Place a link in a course; creates its line item (bound to the new resource link) when asked. */
export function addActivity(sim: SimContext, input: ActivityInput): Activity {
  const tool = resolveTool(sim, input.clientId);
  const contextId = input.contextId ?? DEFAULT_CONTEXT.id;
  if (!sim.state.contexts.has(contextId)) rememberContext(sim.state, contextId === DEFAULT_CONTEXT.id ? { ...DEFAULT_CONTEXT } : { id: contextId });
  // Random, so links of a restarted sim never collide with what the tool already knows.
  const id = `rl-${randomId(6)}`;
  const url = input.url ?? tool.targetLinkUri;
  const title = input.title?.trim() || input.url || 'Untitled activity';
  const activity: Activity = {
    id,
    clientId: tool.clientId,
    deploymentId: input.deploymentId ?? tool.deploymentIds[0] ?? sim.deploymentId,
    contextId,
    title,
    ...(input.text ? { text: input.text } : {}),
    url,
    custom: { ...input.custom },
    createdAt: Date.now(),
  };
  if (input.lineItem) {
    const { scoreMaximum, label, resourceId, tag, gradesReleased } = input.lineItem;
    const rec = insertLineItem(
      sim,
      contextId,
      {
        label: label?.trim() || title,
        scoreMaximum,
        resourceLinkId: id,
        ...(resourceId !== undefined ? { resourceId } : {}),
        ...(tag !== undefined ? { tag } : {}),
        ...(gradesReleased !== undefined ? { gradesReleased } : {}),
      },
      'platform',
    );
    activity.lineItemUrl = lineItemUrl(sim, contextId, rec.id);
  }
  sim.state.activities.set(id, activity);
  return activity;
}

/** Place the `ltiResourceLink` items of an accepted deep-linking response; other types are not launchable. */
export function placeContentItems(sim: SimContext, at: { clientId: string; deploymentId: string; contextId: string }, items: unknown[]): Array<Activity | null> {
  return items.map((raw) => {
    const parsed = ResourceLinkItem.safeParse(raw);
    if (!parsed.success) return null;
    const item: ResourceLinkItem = parsed.data;
    return addActivity(sim, {
      ...at,
      ...(item.title !== undefined ? { title: item.title } : {}),
      ...(item.text !== undefined ? { text: item.text } : {}),
      ...(item.url !== undefined ? { url: item.url } : {}),
      ...(item.custom ? { custom: item.custom } : {}),
      ...(item.lineItem ? { lineItem: item.lineItem } : {}),
    });
  });
}

/** `scenario_id=fire-drill, x=y`: custom parameters as an LMS shows them. */
export function customText(custom: Record<string, string>): string {
  return Object.entries(custom)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** Activities, oldest first; optionally one tool's. */
export function listActivities(sim: SimContext, clientId?: string): Activity[] {
  return [...sim.state.activities.values()].filter((a) => clientId === undefined || a.clientId === clientId);
}

/** The launch of an activity: its link, custom parameters, url, and the AGS claim with its line item. */
export function activityLaunchSpec(sim: SimContext, activity: Activity, as: LaunchAs = 'learner'): LaunchSpec {
  const context = sim.state.contexts.get(activity.contextId) ?? { id: activity.contextId };
  return {
    ...personFor(as),
    clientId: activity.clientId,
    deploymentId: activity.deploymentId,
    context: { ...context },
    resourceLink: { id: activity.id, title: activity.title, ...(activity.text ? { description: activity.text } : {}) },
    custom: { ...activity.custom },
    targetLinkUri: activity.url,
    // Explicit, so a link placed without a line item gets none made up for it (only the container).
    ags: {
      ...(activity.lineItemUrl ? { lineitem: activity.lineItemUrl } : {}),
      lineitems: lineItemsUrl(sim, activity.contextId),
      scope: [...DEFAULT_AGS_SCOPES],
    },
  };
}
