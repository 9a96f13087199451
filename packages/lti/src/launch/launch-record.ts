// The part of a validated launch Tether keeps: what provisioning, routing, the launch row
// and later grade passback need. Built once from the claims, identical on both state paths
// (the cookie-less continuation carries it through the browser, hence the schema).
import { z } from 'zod';
import { CLAIM, customParams } from '../claims.js';
import { normaliseRoles } from '../roles.js';
import type { ValidatedLaunch } from '../validate-id-token.js';

export const launchRecordSchema = z.object({
  messageType: z.string(),
  deploymentId: z.string(),
  sub: z.string(),
  name: z.string().optional(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  email: z.string().optional(),
  roles: z.array(z.string()),
  contextId: z.string().nullable(),
  contextTitle: z.string().nullable(),
  resourceLinkId: z.string().nullable(),
  resourceLinkTitle: z.string().nullable(),
  targetLinkUri: z.string().nullable(),
  /** Where the LMS wants the learner back (`launch_presentation.return_url`): its origin is the page framing the tool. */
  returnUrl: z.string().nullable().default(null),
  custom: z.record(z.string(), z.string()),
  agsLineItem: z.string().nullable(),
  agsLineItems: z.string().nullable(),
  agsScopes: z.array(z.string()),
  nrpsUrl: z.string().nullable(),
});
export type LaunchRecord = z.output<typeof launchRecordSchema>;

export function toLaunchRecord(v: ValidatedLaunch): LaunchRecord {
  const c = v.claims as Record<string, unknown> & typeof v.claims;
  const context = c[CLAIM.context];
  const link = v.messageType === 'LtiResourceLinkRequest' ? v.claims[CLAIM.resourceLink] : undefined;
  const ags = c[CLAIM.ags];
  const opt = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
  return {
    messageType: v.messageType,
    deploymentId: v.deploymentId,
    sub: String(c.sub),
    ...(opt(c.name) ? { name: opt(c.name) } : {}),
    ...(opt(c.given_name) ? { givenName: opt(c.given_name) } : {}),
    ...(opt(c.family_name) ? { familyName: opt(c.family_name) } : {}),
    ...(opt(c.email) ? { email: opt(c.email) } : {}),
    roles: normaliseRoles(c[CLAIM.roles]),
    contextId: context?.id ?? null,
    contextTitle: context?.title ?? context?.label ?? null,
    resourceLinkId: link?.id ?? null,
    resourceLinkTitle: link?.title ?? null,
    targetLinkUri: (c[CLAIM.targetLinkUri] as string | undefined) ?? null,
    returnUrl: opt(c[CLAIM.launchPresentation]?.return_url) ?? null,
    custom: customParams(c),
    agsLineItem: ags?.lineitem ?? null,
    agsLineItems: ags?.lineitems ?? null,
    agsScopes: ags?.scope ?? [],
    nrpsUrl: c[CLAIM.nrps]?.context_memberships_url ?? null,
  };
}
