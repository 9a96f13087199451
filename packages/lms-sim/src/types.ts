/** Public types of the LMS simulator. */

export type LmsMode = 'generic' | 'canvas' | 'moodle' | 'brightspace' | 'blackboard';

export interface LmsSimOptions {
  /** Port to listen on (startLmsSim only). 0 = random. Default 0. */
  port?: number;
  /** Host to bind (startLmsSim only). Default 127.0.0.1. */
  host?: string;
  /** Base URL the sim is reachable at, when it differs from http://host:port (proxy, container). */
  publicUrl?: string;
  /** Platform issuer. Default: the sim's own base URL. */
  issuer?: string;
  /** Default tool client_id. Default: a random id. A tool is registered under it by `registerTool`. */
  clientId?: string;
  /** Default deployment id. Default: a random id. */
  deploymentId?: string;
  /** Which LMS quirks to play. Default 'generic'. */
  mode?: LmsMode;
  /**
   * Canvas-like: answer 403 to requests from the tool (JWKS, token, AGS, NRPS, DR) that carry
   * no `User-Agent`. 'strict' also rejects HTTP-library defaults such as Node fetch's `node`.
   * Default: true in canvas mode, false otherwise.
   */
  userAgentRequired?: boolean | 'strict';
  /** Send `aud` as a one-element array (Schoology-like) on every launch. */
  audArray?: boolean;
  /** Audience a client assertion must carry. Default: the token URL; brightspace: api.brightspace.com. */
  tokenAudience?: string;
  /** Access-token lifetime in seconds (expires_in). Default 3600. */
  tokenTtlSec?: number;
  /** Dynamic registration: leave `deployment_id` out of the registration response. */
  omitDeploymentId?: boolean;
  /** Dynamic registration: answer with this client_id (as an LMS re-registering the same tool would) instead of a new one. */
  registrationClientId?: string | null;
  /** Dynamic registration: answer every POST /register with this status and body. */
  rejectRegistration?: { status: number; body: unknown } | null;
  /** Shallow overrides merged into GET /.well-known/openid-configuration (null deletes a member). */
  openidConfigurationOverrides?: Record<string, unknown>;
  /** Default NRPS / AGS page size. Default 10. */
  pageSize?: number;
}

/** Options that can be changed on a running sim with `configure()`. */
export type LmsSimRuntimeOptions = Pick<
  LmsSimOptions,
  | 'userAgentRequired'
  | 'audArray'
  | 'tokenAudience'
  | 'tokenTtlSec'
  | 'omitDeploymentId'
  | 'registrationClientId'
  | 'rejectRegistration'
  | 'openidConfigurationOverrides'
  | 'pageSize'
>;

export interface ToolRegistrationInput {
  /** Default: the sim's default clientId. */
  clientId?: string;
  /** The tool's OIDC login initiation URL. */
  loginUrl: string;
  /** Exact redirect URIs (compared byte for byte). */
  redirectUris: string[];
  /** The tool's JWKS URL, used to verify client assertions and deep-linking responses. */
  jwksUrl: string;
  /** Default target_link_uri for launches. Default: the first redirect URI. */
  targetLinkUri?: string;
  /** Deployments of this registration. Default: [the sim's default deploymentId]. */
  deploymentIds?: string[];
  /** Scopes the tool may request at the token endpoint. Default: all AGS and NRPS scopes. */
  scopes?: string[];
  /** Display name. */
  name?: string;
}

export interface ToolRegistration {
  clientId: string;
  loginUrl: string;
  redirectUris: string[];
  jwksUrl: string;
  targetLinkUri: string;
  deploymentIds: string[];
  scopes: string[];
  name: string;
}

export interface LaunchUser {
  sub?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  [claim: string]: unknown;
}

export interface Tamper {
  /** 'none': unsigned token; 'HS256': HMAC signed with the platform public key (SPKI PEM) as secret. */
  alg?: 'none' | 'HS256';
  /** Put this (unpublished) kid in the header; the token is still signed with the current key. */
  kid?: string;
  /** Leave `kid` out of the header. */
  omitKid?: boolean;
  /** Sign with a key that is not in the JWKS while claiming the current published kid. */
  wrongKey?: boolean;
  /** iat = now − 10 min, exp = now − 5 min. */
  expired?: boolean;
  /** iat = now + iatOffsetSec. */
  iatOffsetSec?: number;
  /** exp = now + expOffsetSec (replaces the default now + 300). */
  expOffsetSec?: number;
  iss?: string;
  aud?: string | string[];
  azp?: string;
  /** string: use this nonce instead of the one from the auth request; null: omit the claim. */
  nonce?: string | null;
  /** string: use this deployment_id claim; null: omit it. */
  deploymentId?: string | null;
  version?: string;
  messageType?: string;
  /** Claims to delete: full names/URIs or short LTI names (`roles`, `deployment_id`, `ags`…). */
  omit?: string[];
  /** Claims to set/override (full names, or short LTI names), applied last. */
  set?: Record<string, unknown>;
  /** Post a token that is not a three-part JWS. */
  garbleToken?: boolean;
  /** Post this earlier id_token verbatim instead of minting a new one. */
  replayOf?: string;
  /** Post this `state` instead of the one from the auth request. */
  state?: string;
  /** Post `error`/`error_description` instead of an id_token (e.g. Canvas `login_required`). */
  postError?: { error: string; error_description?: string };
}

export interface DeepLinkingSettings {
  deep_link_return_url?: string;
  accept_types?: string[];
  accept_presentation_document_targets?: string[];
  accept_media_types?: string;
  accept_multiple?: boolean | string;
  accept_lineitem?: boolean | string;
  auto_create?: boolean | string;
  title?: string;
  text?: string;
  /** Opaque data the tool must echo. Default: a random string. null: leave out. */
  data?: string | null;
  [k: string]: unknown;
}

export interface LaunchSpec {
  /** Registration to launch. Default: the sim's clientId if registered, else the last registered tool. */
  clientId?: string;
  user?: LaunchUser | 'anonymous';
  roles?: string[];
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest' | (string & {});
  resourceLink?: { id: string; title?: string; description?: string };
  /** false: no context claim. */
  context?: { id: string; label?: string; title?: string; type?: string[] } | false;
  custom?: Record<string, string>;
  targetLinkUri?: string;
  deploymentId?: string;
  /** Custom AGS claim, or false for none. Default: lineitem + lineitems URLs, default scopes. */
  ags?: { lineitem?: string; lineitems?: string; scope: string[] } | false;
  /** Include the NRPS claim. Default true (when there is a context). */
  nrps?: boolean;
  deepLinking?: DeepLinkingSettings;
  /** lti_storage_target login/launch parameter. Canvas mode default: post_message_forwarding. false: none. */
  storageTarget?: string | false;
  /** Override/add raw login params; null removes one (e.g. { lti_deployment_id: null, deployment_id: 'x' }). */
  loginParams?: Record<string, string | null>;
  /** Send aud as an array (Schoology-like). Default: the sim's audArray option. */
  audArray?: boolean;
  /** Extra claims merged into the id_token (before tamper). */
  extraClaims?: Record<string, unknown>;
  launchPresentation?: Record<string, unknown>;
  tamper?: Tamper;
}

export interface LoginInitiation {
  /** GET form of the login initiation (tool login URL + query). */
  url: string;
  /** The same parameters for a form POST to `loginUrl`. */
  params: Record<string, string>;
  loginUrl: string;
  messageHint: string;
  loginHint: string;
  /** The line item URL put in the AGS claim, when there is one. */
  lineItemUrl?: string;
}

export interface IssuedIdToken {
  idToken: string;
  /** Decoded header/payload (null when the token is garbled or replayed). */
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  state: string;
  redirectUri: string;
  messageHint: string;
  at: number;
}

export interface LineItemFields {
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
}

export interface LineItem extends LineItemFields {
  /** The line item URL. */
  id: string;
}

export interface CreateLineItemInput {
  contextId?: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
}

export interface Score {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  timestamp: string;
  activityProgress: string;
  gradingProgress: string;
  submission?: { startedAt?: string; submittedAt?: string };
  scoringUserId?: string;
  [k: string]: unknown;
}

export interface RecordedScore {
  lineItemId: string;
  contextId: string;
  clientId: string;
  score: Score;
  receivedAt: number;
}

export interface Member {
  user_id: string;
  roles: string[];
  status?: 'Active' | 'Inactive' | 'Deleted';
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  email?: string;
  picture?: string;
  lis_person_sourcedid?: string;
  [k: string]: unknown;
}

export interface FailRule {
  /** Matched against path + query. Default: every request. */
  path?: RegExp;
  method?: string;
  status: number;
  /** How many matching requests fail. Default 1. */
  times?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimStats {
  loginInitiations: number;
  authRequests: number;
  idTokensIssued: number;
  jwksRequests: number;
  tokenRequests: number;
  tokensIssued: number;
  toolJwksFetches: number;
  agsRequests: number;
  scoresAccepted: number;
  nrpsRequests: number;
  openidConfigurationRequests: number;
  registrationRequests: number;
  deepLinkResponses: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  userAgent: string | null;
  authorization: string | null;
  contentType: string | null;
  accept: string | null;
  at: number;
}

export interface DecodedAssertion {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  raw: string;
  /** null when accepted, else the error description. */
  rejected: string | null;
}

export interface IssuedAccessToken {
  accessToken: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface DynamicRegistration {
  clientId: string;
  deploymentId: string;
  registrationToken: string;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  at: number;
}

export interface DeepLinkResponseRecord {
  jwt: string;
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
  /** Problems found verifying the response; empty = accepted. */
  errors: string[];
  at: number;
}

export interface Endpoints {
  auth: string;
  token: string;
  jwks: string;
  openidConfiguration: string;
  registration: string;
  deepLinkReturn: string;
}

/** Who a browser launch from the home page plays. */
export type LaunchAs = 'learner' | 'instructor';

/**
 * A link placed in a course — from an accepted deep-linking response, or `addActivity` — that the
 * home page can launch. Its launches carry its resource link, custom parameters and line item.
 */
export interface Activity {
  /** Its resource_link id. */
  id: string;
  clientId: string;
  deploymentId: string;
  contextId: string;
  title: string;
  text?: string;
  /** The target_link_uri its launches carry (the item's `url`, else the tool's default). */
  url: string;
  /** Custom parameters sent with every launch (e.g. scenario_id). */
  custom: Record<string, string>;
  /** URL of the line item created with it, when the item asked for one. */
  lineItemUrl?: string;
  createdAt: number;
}

/** A content item's `lineItem`: what the platform creates in its gradebook with the link. */
export interface ActivityLineItemInput {
  scoreMaximum: number;
  label?: string;
  resourceId?: string;
  tag?: string;
  gradesReleased?: boolean;
}

export interface ActivityInput {
  /** Default: the tool a launch would go to (see LaunchSpec.clientId). */
  clientId?: string;
  /** Default: the tool's first deployment. */
  deploymentId?: string;
  /** Default: course-1. */
  contextId?: string;
  /** Default: the url, else "Untitled activity". */
  title?: string;
  text?: string;
  /** Default: the tool's target_link_uri. */
  url?: string;
  custom?: Record<string, string>;
  lineItem?: ActivityLineItemInput;
}
