/** Starting a launch: the pending launch the auth endpoint will answer, and the OIDC login initiation for the tool. */
import { DEFAULT_AGS_SCOPES, ROLE } from './constants.js';
import { DEFAULT_CONTEXT, DEFAULT_RESOURCE_LINK, DEFAULT_USER } from './defaults.js';
import { insertLineItem, lineItemsUrl, lineItemUrl } from './line-items.js';
import { addLaunchUserToRoster, membershipsUrl } from './roster.js';
import { type ContextInfo, type PendingLaunch, rememberContext, type SimContext } from './state.js';
import { resolveTool } from './tools.js';
import type { LaunchSpec, LaunchUser, LoginInitiation } from './types.js';
import { randomId } from './util.js';

const PENDING_TTL_MS = 10 * 60 * 1000;

/** Start a launch: store it under a fresh lti_message_hint and build the login initiation. */
export function loginInitiation(sim: SimContext, spec: LaunchSpec = {}): LoginInitiation {
  const tool = resolveTool(sim, spec.clientId);
  sim.state.stats.loginInitiations++;
  const messageType = spec.messageType ?? 'LtiResourceLinkRequest';
  const isDeepLinking = messageType === 'LtiDeepLinkingRequest';
  const deploymentId = spec.deploymentId ?? tool.deploymentIds[0] ?? sim.deploymentId;

  let user: LaunchUser | 'anonymous';
  if (spec.user === 'anonymous') user = 'anonymous';
  else if (spec.user) user = { ...spec.user, sub: spec.user.sub ?? `sim-user-${randomId(4)}` };
  else user = { ...DEFAULT_USER };

  const roles = spec.roles ?? [ROLE.learner];
  const context: ContextInfo | undefined = spec.context === false ? undefined : spec.context ? { ...spec.context } : { ...DEFAULT_CONTEXT };
  const resourceLink = isDeepLinking ? undefined : (spec.resourceLink ?? { ...DEFAULT_RESOURCE_LINK });
  if (context) rememberContext(sim.state, context);

  let ags: PendingLaunch['ags'];
  let lineItemUrlClaim: string | undefined;
  if (spec.ags) {
    ags = { ...spec.ags, scope: [...spec.ags.scope] };
    lineItemUrlClaim = spec.ags.lineitem;
  } else if (spec.ags !== false && context) {
    ags = { scope: [...DEFAULT_AGS_SCOPES], lineitems: lineItemsUrl(sim, context.id) };
    if (resourceLink) {
      const existing = [...sim.state.lineItems.values()].find((r) => r.contextId === context.id && r.item.resourceLinkId === resourceLink.id && r.createdBy === 'platform');
      const rec = existing ?? insertLineItem(sim, context.id, { label: resourceLink.title ?? 'Activity', scoreMaximum: 100, resourceLinkId: resourceLink.id }, 'platform');
      lineItemUrlClaim = lineItemUrl(sim, context.id, rec.id);
      ags.lineitem = lineItemUrlClaim;
    }
  }

  const nrps = spec.nrps !== false && context ? { context_memberships_url: membershipsUrl(sim, context.id), service_versions: ['2.0'] } : undefined;

  let deepLinking: Record<string, unknown> | undefined;
  if (isDeepLinking || spec.deepLinking) {
    deepLinking = {
      deep_link_return_url: sim.endpoints.deepLinkReturn,
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: true,
      auto_create: true,
      data: `dl-${randomId(9)}`,
      ...spec.deepLinking,
    };
    if (deepLinking.data === null || deepLinking.data === undefined) delete deepLinking.data;
    // The response's items are placed in this course (matched back by the echoed data).
    if (typeof deepLinking.data === 'string' && context) sim.state.deepLinkContexts.set(deepLinking.data, context.id);
    const list = sim.state.deepLinkData.get(tool.clientId) ?? [];
    list.push(typeof deepLinking.data === 'string' ? deepLinking.data : undefined);
    sim.state.deepLinkData.set(tool.clientId, list);
  }

  const storageTarget = spec.storageTarget === false ? undefined : (spec.storageTarget ?? (sim.mode === 'canvas' ? 'post_message_forwarding' : undefined));

  const messageHint = `mh-${randomId(18)}`;
  const loginHint = user === 'anonymous' ? `anon-${randomId(8)}` : `lh-${randomId(12)}`;
  const targetLinkUri = spec.targetLinkUri ?? tool.targetLinkUri;

  const pending: PendingLaunch = {
    messageHint,
    loginHint,
    clientId: tool.clientId,
    deploymentId,
    messageType,
    user,
    roles,
    resourceLink,
    context,
    custom: spec.custom,
    targetLinkUri,
    ags,
    nrps,
    deepLinking,
    launchPresentation: {
      document_target: 'iframe',
      return_url: `${sim.url}/return`,
      locale: 'en-US',
      ...spec.launchPresentation,
    },
    storageTarget,
    audArray: spec.audArray ?? sim.opts.audArray ?? false,
    extraClaims: spec.extraClaims ?? {},
    tamper: spec.tamper,
    lineItemUrl: lineItemUrlClaim,
    createdAt: Date.now(),
    expiresAt: Date.now() + PENDING_TTL_MS,
    uses: 0,
  };
  sim.state.pending.set(messageHint, pending);

  if (context && user !== 'anonymous') addLaunchUserToRoster(sim, context.id, user, roles);

  const params: Record<string, string> = {
    iss: sim.issuer,
    login_hint: loginHint,
    target_link_uri: targetLinkUri,
    lti_message_hint: messageHint,
    client_id: tool.clientId,
  };
  if (sim.mode === 'canvas') {
    params.deployment_id = deploymentId;
    params.canvas_region = 'us-east-1';
    params.canvas_environment = 'prod';
  } else {
    params.lti_deployment_id = deploymentId;
  }
  if (storageTarget) params.lti_storage_target = storageTarget;
  for (const [k, v] of Object.entries(spec.loginParams ?? {})) {
    if (v === null) delete params[k];
    else params[k] = v;
  }

  const u = new URL(tool.loginUrl);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return {
    url: u.toString(),
    params,
    loginUrl: tool.loginUrl,
    messageHint,
    loginHint,
    ...(lineItemUrlClaim ? { lineItemUrl: lineItemUrlClaim } : {}),
  };
}

/** Pending launch by its lti_message_hint (undefined when unknown or expired). */
export function pendingLaunch(sim: SimContext, messageHint: string): PendingLaunch | undefined {
  const p = sim.state.pending.get(messageHint);
  if (!p) return undefined;
  if (p.expiresAt < Date.now()) {
    sim.state.pending.delete(messageHint);
    return undefined;
  }
  return p;
}
