/**
 * The simulator's mutable state and the context every part of it works on. Route modules and
 * the behaviour modules (login, line items, roster…) take a `SimContext` rather than the
 * `LmsSimulator` class, so the class can install the routes without an import cycle.
 */
import type { KeyStore } from './keys.js';
import type {
  Activity,
  DecodedAssertion,
  DeepLinkResponseRecord,
  DynamicRegistration,
  Endpoints,
  FailRule,
  IssuedAccessToken,
  IssuedIdToken,
  LaunchUser,
  LineItemFields,
  LmsMode,
  LmsSimRuntimeOptions,
  Member,
  RecordedScore,
  RequestLogEntry,
  SimStats,
  Tamper,
  ToolRegistration,
} from './types.js';

/** A launch waiting for the tool's auth request, keyed by its lti_message_hint. */
export interface PendingLaunch {
  messageHint: string;
  loginHint: string;
  clientId: string;
  deploymentId: string;
  messageType: string;
  user: LaunchUser | 'anonymous';
  roles: string[];
  resourceLink: { id: string; title?: string; description?: string } | undefined;
  context: { id: string; label?: string; title?: string; type?: string[] } | undefined;
  custom: Record<string, string> | undefined;
  targetLinkUri: string;
  ags: { lineitem?: string; lineitems?: string; scope: string[] } | undefined;
  nrps: { context_memberships_url: string; service_versions: string[] } | undefined;
  deepLinking: Record<string, unknown> | undefined;
  launchPresentation: Record<string, unknown>;
  storageTarget: string | undefined;
  audArray: boolean;
  extraClaims: Record<string, unknown>;
  tamper: Tamper | undefined;
  lineItemUrl: string | undefined;
  createdAt: number;
  expiresAt: number;
  uses: number;
}

export interface LineItemRecord {
  id: string;
  contextId: string;
  item: LineItemFields;
  createdBy: string;
}

interface RosterEntry {
  member: Member;
  seq: number;
}

export interface Roster {
  seq: number;
  explicit: boolean;
  entries: Map<string, RosterEntry>;
}

export interface RegistrationTokenRecord {
  token: string;
  toolRegistrationUrl: string;
  expiresAt: number;
  used: boolean;
}

export interface ContextInfo {
  id: string;
  label?: string;
  title?: string;
  type?: string[];
}

/** Internal mutable state; route modules use it, callers should prefer the simulator's methods. */
export interface SimState {
  tools: Map<string, ToolRegistration>;
  pending: Map<string, PendingLaunch>;
  issued: IssuedIdToken[];
  lineItems: Map<string, LineItemRecord>;
  lineItemSeq: number;
  scores: RecordedScore[];
  latestScores: Map<string, RecordedScore>;
  accessTokens: Map<string, IssuedAccessToken>;
  seenJti: Map<string, number>;
  assertions: DecodedAssertion[];
  rosters: Map<string, Roster>;
  contexts: Map<string, ContextInfo>;
  registrationTokens: Map<string, RegistrationTokenRecord>;
  registrations: DynamicRegistration[];
  failRules: Array<FailRule & { remaining: number }>;
  down: boolean;
  stats: SimStats;
  requestLog: RequestLogEntry[];
  deepLinkResponses: DeepLinkResponseRecord[];
  /** deep-linking `data` values sent, by client_id (latest last). */
  deepLinkData: Map<string, Array<string | undefined>>;
  /** The course a deep-linking request was made in, by its `data`: where the returned items go. */
  deepLinkContexts: Map<string, string>;
  /** Links placed in courses (deep-linking results), by resource link id, oldest first. */
  activities: Map<string, Activity>;
}

/** What the routes and behaviour modules need of a simulator: its identity, keys, options and state. */
export interface SimContext {
  /** Base URL (no trailing slash). */
  readonly url: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly mode: LmsMode;
  readonly endpoints: Endpoints;
  /** tool_platform.guid */
  readonly platformGuid: string;
  readonly keyStore: KeyStore;
  readonly state: SimState;
  /** Current runtime options (changed in place by `configure`). */
  readonly opts: LmsSimRuntimeOptions;
}

const REQUEST_LOG_CAP = 2000;

export function emptyStats(): SimStats {
  return {
    loginInitiations: 0,
    authRequests: 0,
    idTokensIssued: 0,
    jwksRequests: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    toolJwksFetches: 0,
    agsRequests: 0,
    scoresAccepted: 0,
    nrpsRequests: 0,
    openidConfigurationRequests: 0,
    registrationRequests: 0,
    deepLinkResponses: 0,
  };
}

export function createState(): SimState {
  return {
    tools: new Map(),
    pending: new Map(),
    issued: [],
    lineItems: new Map(),
    lineItemSeq: 0,
    scores: [],
    latestScores: new Map(),
    accessTokens: new Map(),
    seenJti: new Map(),
    assertions: [],
    rosters: new Map(),
    contexts: new Map(),
    registrationTokens: new Map(),
    registrations: [],
    failRules: [],
    down: false,
    stats: emptyStats(),
    requestLog: [],
    deepLinkResponses: [],
    deepLinkData: new Map(),
    deepLinkContexts: new Map(),
    activities: new Map(),
  };
}

/** Append to the request log, dropping the oldest entry past the cap. */
export function logRequest(state: SimState, entry: RequestLogEntry): void {
  state.requestLog.push(entry);
  if (state.requestLog.length > REQUEST_LOG_CAP) state.requestLog.shift();
}

/** Record a context's label/title (merged over what is known). */
export function rememberContext(state: SimState, context: ContextInfo): void {
  const known = state.contexts.get(context.id);
  state.contexts.set(context.id, { ...known, ...context });
}
