/** Claim URIs, scopes and media types the simulator speaks (LTI 1.3 / Advantage). */

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
  custom: `${LTI}custom`,
  launchPresentation: `${LTI}launch_presentation`,
  lis: `${LTI}lis`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  dlContentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  dlData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  dlMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  dlErrorMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
} as const;

/** Short names accepted by `Tamper.omit` / `Tamper.set` besides full claim names. */
export const CLAIM_SHORT_NAMES: Record<string, string> = {
  message_type: CLAIM.messageType,
  version: CLAIM.version,
  deployment_id: CLAIM.deploymentId,
  target_link_uri: CLAIM.targetLinkUri,
  resource_link: CLAIM.resourceLink,
  roles: CLAIM.roles,
  context: CLAIM.context,
  tool_platform: CLAIM.toolPlatform,
  custom: CLAIM.custom,
  launch_presentation: CLAIM.launchPresentation,
  lis: CLAIM.lis,
  role_scope_mentor: `${LTI}role_scope_mentor`,
  lti1p1: `${LTI}lti1p1`,
  for_user: `${LTI}for_user`,
  ags: CLAIM.ags,
  endpoint: CLAIM.ags,
  nrps: CLAIM.nrps,
  namesroleservice: CLAIM.nrps,
  deep_linking_settings: CLAIM.deepLinkingSettings,
};

export const SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

export const ALL_SERVICE_SCOPES: readonly string[] = [SCOPE.lineItem, SCOPE.lineItemReadonly, SCOPE.resultReadonly, SCOPE.score, SCOPE.nrps];

export const DEFAULT_AGS_SCOPES: readonly string[] = [SCOPE.lineItem, SCOPE.resultReadonly, SCOPE.score];

export const MEDIA = {
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  membershipContainer: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
} as const;

export const ROLE = {
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  administrator: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  contentDeveloper: 'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
  teachingAssistant: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  institutionStudent: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student',
  institutionFaculty: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty',
  systemAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
  testUser: 'http://purl.imsglobal.org/vocab/lti/system/person#TestUser',
} as const;

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const BRIGHTSPACE_TOKEN_AUDIENCE = 'https://api.brightspace.com/auth/token';
export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

export const PRODUCT_FAMILY_CODE = {
  generic: 'generic',
  canvas: 'canvas',
  moodle: 'moodle',
  brightspace: 'desire2learn',
  blackboard: 'BlackboardLearn',
} as const;

export const PLATFORM_NAME = {
  generic: 'LMS Sim',
  canvas: 'Canvas LMS (sim)',
  moodle: 'Moodle (sim)',
  brightspace: 'D2L Brightspace (sim)',
  blackboard: 'Blackboard Learn (sim)',
} as const;

/** Default user-agent strings of HTTP libraries; `userAgentRequired: 'strict'` rejects them. */
export const LIBRARY_DEFAULT_USER_AGENTS: readonly RegExp[] = [/^node$/i, /^undici$/i, /^node-fetch\b/i, /^axios\//i, /^got\b/i, /^python-requests\//i, /^curl\//i];
