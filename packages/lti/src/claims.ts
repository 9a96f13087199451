// LTI 1.3 claim URIs and the zod schemas of the launch messages Tether accepts.
import { z } from 'zod';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  roleScopeMentor: `${LTI}role_scope_mentor`,
  lti1p1: `${LTI}lti1p1`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
} as const;

export const MESSAGE_TYPE = {
  resourceLink: 'LtiResourceLinkRequest',
  deepLinking: 'LtiDeepLinkingRequest',
} as const;

export const AGS_SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;
export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';

const ascii255 = z.string().min(1).max(255);

export const resourceLinkSchema = z.looseObject({ id: ascii255, title: z.string().optional(), description: z.string().optional() });
export const contextSchema = z.looseObject({ id: ascii255, label: z.string().optional(), title: z.string().optional(), type: z.array(z.string()).optional() });
export const agsClaimSchema = z.looseObject({
  scope: z.array(z.string()).default([]),
  lineitems: z.url().optional(),
  lineitem: z.url().optional(),
});
export const nrpsClaimSchema = z.looseObject({
  context_memberships_url: z.url(),
  service_versions: z.array(z.string()).optional(),
});
// Platforms sometimes send booleans as strings ("true"/"false").
const looseBool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional();
export const deepLinkingSettingsSchema = z.looseObject({
  deep_link_return_url: z.url(),
  accept_types: z.array(z.string()).min(1),
  accept_presentation_document_targets: z.array(z.string()).min(1),
  accept_media_types: z.string().optional(),
  accept_multiple: looseBool,
  accept_lineitem: looseBool,
  auto_create: looseBool,
  title: z.string().optional(),
  text: z.string().optional(),
  data: z.string().optional(),
});

/** Claims common to every LTI message, checked after the signature and standard JWT claims. */
const baseClaims = {
  sub: z.string().min(1, 'sub must not be empty').max(255).optional(),
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  email: z.string().optional(),
  [CLAIM.version]: z.literal('1.3.0'),
  [CLAIM.deploymentId]: z.string().min(1).max(255),
  [CLAIM.roles]: z.array(z.string()),
  [CLAIM.context]: contextSchema.optional(),
  [CLAIM.toolPlatform]: z
    .looseObject({ guid: z.string().optional(), name: z.string().optional(), product_family_code: z.string().optional(), version: z.string().optional() })
    .optional(),
  [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
  [CLAIM.ags]: agsClaimSchema.optional(),
  [CLAIM.nrps]: nrpsClaimSchema.optional(),
  [CLAIM.launchPresentation]: z.looseObject({ return_url: z.string().optional(), document_target: z.string().optional(), locale: z.string().optional() }).optional(),
};

export const resourceLinkRequestSchema = z.looseObject({
  ...baseClaims,
  [CLAIM.messageType]: z.literal(MESSAGE_TYPE.resourceLink),
  [CLAIM.targetLinkUri]: z.url(),
  [CLAIM.resourceLink]: resourceLinkSchema,
});
export const deepLinkingRequestSchema = z.looseObject({
  ...baseClaims,
  [CLAIM.messageType]: z.literal(MESSAGE_TYPE.deepLinking),
  [CLAIM.targetLinkUri]: z.url().optional(),
  [CLAIM.deepLinkingSettings]: deepLinkingSettingsSchema,
});

export type ResourceLinkClaims = z.output<typeof resourceLinkRequestSchema>;
export type DeepLinkingClaims = z.output<typeof deepLinkingRequestSchema>;

/** Custom parameters as strings (platforms substitute variables; values should be strings). */
export function customParams(claims: { [CLAIM.custom]?: Record<string, unknown> | undefined }): Record<string, string> {
  const raw = claims[CLAIM.custom] ?? {};
  return Object.fromEntries(
    Object.entries(raw)
      .filter(([, v]) => v != null)
      .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
