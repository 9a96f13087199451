/** The LMS simulator: state, public API and the hono app. */
import { Hono } from 'hono';
import type { JWK } from 'jose';
import {
  ALL_SERVICE_SCOPES,
  BRIGHTSPACE_TOKEN_AUDIENCE,
  DEFAULT_AGS_SCOPES,
  PLATFORM_CONFIGURATION,
  PLATFORM_NAME,
  PRODUCT_FAMILY_CODE,
  ROLE,
} from './constants.js';
import { KeyStore } from './keys.js';
import { installAgsRoutes } from './routes/ags.js';
import { installLaunchRoutes } from './routes/launch.js';
import { installMiddleware } from './routes/middleware.js';
import { installNrpsRoutes } from './routes/nrps.js';
import { installRegistrationRoutes } from './routes/registration.js';
import { installTokenRoutes } from './routes/token.js';
import type {
  CreateLineItemInput,
  DecodedAssertion,
  DeepLinkResponseRecord,
  DynamicRegistration,
  Endpoints,
  FailRule,
  IssuedAccessToken,
  IssuedIdToken,
  LaunchSpec,
  LaunchUser,
  LineItem,
  LineItemFields,
  LmsMode,
  LmsSimOptions,
  LmsSimRuntimeOptions,
  LoginInitiation,
  Member,
  RecordedScore,
  RequestLogEntry,
  SimStats,
  Tamper,
  ToolRegistration,
  ToolRegistrationInput,
} from './types.js';
import { randomId, randomStdBase64, trimSlash } from './util.js';

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

export interface RosterEntry {
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

/** Internal mutable state; route modules use it, callers should prefer the methods. */
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
}

function emptyStats(): SimStats {
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

const PENDING_TTL_MS = 10 * 60 * 1000;
const REQUEST_LOG_CAP = 2000;
export const SIM_USER_AGENT = 'lms-sim/0.1 (Tether LTI platform simulator)';

export const DEFAULT_USER: LaunchUser = {
  sub: 'sim-learner-1',
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  email: 'ada.lovelace@example.edu',
};

export const DEFAULT_CONTEXT: ContextInfo = {
  id: 'course-1',
  label: 'SIM101',
  title: 'Simulated Course 101',
  type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
};

export const DEFAULT_RESOURCE_LINK = { id: 'resource-link-1', title: 'Simulated activity' };

export class LmsSimulator {
  readonly app: Hono;
  /** Base URL (no trailing slash). */
  readonly url: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly deploymentId: string;
  readonly mode: LmsMode;
  readonly endpoints: Endpoints;
  /** tool_platform.guid */
  readonly platformGuid: string;
  /** @internal */
  readonly keyStore: KeyStore;
  /** @internal */
  readonly state: SimState;
  /** @internal current runtime options */
  readonly opts: LmsSimRuntimeOptions;

  constructor(baseUrl: string, keyStore: KeyStore, options: LmsSimOptions = {}) {
    this.url = trimSlash(baseUrl);
    this.issuer = options.issuer ?? this.url;
    this.clientId = options.clientId ?? `sim-client-${randomId(6)}`;
    this.deploymentId = options.deploymentId ?? `sim-deployment-${randomId(6)}`;
    this.mode = options.mode ?? 'generic';
    this.platformGuid = `lms-sim-${randomId(8)}`;
    this.keyStore = keyStore;
    this.endpoints = {
      auth: `${this.url}/auth`,
      token: `${this.url}/token`,
      jwks: `${this.url}/jwks`,
      openidConfiguration: `${this.url}/.well-known/openid-configuration`,
      registration: `${this.url}/register`,
      deepLinkReturn: `${this.url}/deep_link_return`,
    };
    this.opts = {
      userAgentRequired: options.userAgentRequired ?? this.mode === 'canvas',
      audArray: options.audArray ?? false,
      tokenAudience: options.tokenAudience,
      tokenTtlSec: options.tokenTtlSec ?? 3600,
      omitDeploymentId: options.omitDeploymentId ?? false,
      registrationClientId: options.registrationClientId ?? null,
      rejectRegistration: options.rejectRegistration ?? null,
      openidConfigurationOverrides: options.openidConfigurationOverrides ?? {},
      pageSize: options.pageSize ?? 10,
    };
    this.state = {
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
    };

    const app = new Hono();
    installMiddleware(app, this);
    installLaunchRoutes(app, this);
    installTokenRoutes(app, this);
    installAgsRoutes(app, this);
    installNrpsRoutes(app, this);
    installRegistrationRoutes(app, this);
    app.onError((err) => {
      // Never leak stacks.
      return new Response(JSON.stringify({ error: 'server_error', error_description: String(err?.message ?? err) }), {
        status: 500,
        headers: { 'content-type': 'application/json' },
      });
    });
    this.app = app;
  }

  /** Handle a request in-process (no port needed). */
  fetch = (request: Request): Promise<Response> => Promise.resolve(this.app.fetch(request));

  /** Convenience for in-process calls: `sim.request('/jwks')`. */
  request(path: string, init?: RequestInit): Promise<Response> {
    return this.fetch(new Request(new URL(path, `${this.url}/`), init));
  }

  // ---------------------------------------------------------------- options

  /** Change runtime options (quirks, DR behaviour) on a running sim. */
  configure(options: Partial<LmsSimRuntimeOptions>): void {
    Object.assign(this.opts, options);
  }

  /** The audience a client assertion must carry. */
  tokenAudience(): string {
    return this.opts.tokenAudience ?? (this.mode === 'brightspace' ? BRIGHTSPACE_TOKEN_AUDIENCE : this.endpoints.token);
  }

  // ---------------------------------------------------------------- tools

  registerTool(input: ToolRegistrationInput): ToolRegistration {
    if (!input.redirectUris?.length) throw new Error('registerTool: redirectUris must not be empty');
    const reg: ToolRegistration = {
      clientId: input.clientId ?? this.clientId,
      loginUrl: input.loginUrl,
      redirectUris: [...input.redirectUris],
      jwksUrl: input.jwksUrl,
      targetLinkUri: input.targetLinkUri ?? input.redirectUris[0]!,
      deploymentIds: input.deploymentIds?.length ? [...input.deploymentIds] : [this.deploymentId],
      scopes: input.scopes ? [...input.scopes] : [...ALL_SERVICE_SCOPES],
      name: input.name ?? 'Tool',
    };
    this.state.tools.set(reg.clientId, reg);
    return reg;
  }

  tools(): ToolRegistration[] {
    return [...this.state.tools.values()];
  }

  tool(clientId: string): ToolRegistration | undefined {
    return this.state.tools.get(clientId);
  }

  /** Add a deployment (e.g. a second course install) to a registration; returns its id. */
  addDeployment(clientId: string = this.clientId, deploymentId = `sim-deployment-${randomId(6)}`): string {
    const tool = this.state.tools.get(clientId);
    if (!tool) throw new Error(`addDeployment: unknown client_id ${clientId}`);
    if (!tool.deploymentIds.includes(deploymentId)) tool.deploymentIds.push(deploymentId);
    return deploymentId;
  }

  private resolveTool(clientId: string | undefined): ToolRegistration {
    if (clientId) {
      const t = this.state.tools.get(clientId);
      if (!t) throw new Error(`lms-sim: no tool registered with client_id ${clientId}`);
      return t;
    }
    const def = this.state.tools.get(this.clientId);
    if (def) return def;
    const all = this.tools();
    const last = all[all.length - 1];
    if (!last) throw new Error('lms-sim: no tool registered (call registerTool or run dynamic registration first)');
    return last;
  }

  // ---------------------------------------------------------------- keys

  /** Rotate the platform signing key (new kid). keepOld (default true) keeps old keys published. */
  rotateKeys(options: { keepOld?: boolean } = {}): Promise<string> {
    return this.keyStore.rotate(options.keepOld ?? true);
  }

  /** Published kids, oldest first; the last is the current signing key. */
  keys(): string[] {
    return this.keyStore.kids();
  }

  get currentKid(): string {
    return this.keyStore.current.kid;
  }

  /** Stop publishing a key. */
  revokeKey(kid: string): boolean {
    return this.keyStore.revoke(kid);
  }

  jwks(): { keys: JWK[] } {
    return this.keyStore.jwks();
  }

  // ---------------------------------------------------------------- launches

  /** Start a launch: store it under a fresh lti_message_hint and build the login initiation. */
  loginInitiation(spec: LaunchSpec = {}): LoginInitiation {
    const tool = this.resolveTool(spec.clientId);
    this.state.stats.loginInitiations++;
    const messageType = spec.messageType ?? 'LtiResourceLinkRequest';
    const isDeepLinking = messageType === 'LtiDeepLinkingRequest';
    const deploymentId = spec.deploymentId ?? tool.deploymentIds[0] ?? this.deploymentId;

    let user: LaunchUser | 'anonymous';
    if (spec.user === 'anonymous') user = 'anonymous';
    else if (spec.user) user = { ...spec.user, sub: spec.user.sub ?? `sim-user-${randomId(4)}` };
    else user = { ...DEFAULT_USER };

    const roles = spec.roles ?? [ROLE.learner];
    const context: ContextInfo | undefined =
      spec.context === false ? undefined : spec.context ? { ...spec.context } : { ...DEFAULT_CONTEXT };
    const resourceLink = isDeepLinking ? undefined : (spec.resourceLink ?? { ...DEFAULT_RESOURCE_LINK });
    if (context) {
      const known = this.state.contexts.get(context.id);
      this.state.contexts.set(context.id, { ...known, ...context });
    }

    let ags: PendingLaunch['ags'];
    let lineItemUrl: string | undefined;
    if (spec.ags) {
      ags = { ...spec.ags, scope: [...spec.ags.scope] };
      lineItemUrl = spec.ags.lineitem;
    } else if (spec.ags !== false && context) {
      ags = { scope: [...DEFAULT_AGS_SCOPES], lineitems: this.lineItemsUrl(context.id) };
      if (resourceLink) {
        const existing = [...this.state.lineItems.values()].find(
          (r) => r.contextId === context.id && r.item.resourceLinkId === resourceLink.id && r.createdBy === 'platform',
        );
        const rec =
          existing ??
          this.insertLineItem(
            context.id,
            { label: resourceLink.title ?? 'Activity', scoreMaximum: 100, resourceLinkId: resourceLink.id },
            'platform',
          );
        lineItemUrl = this.lineItemUrl(context.id, rec.id);
        ags.lineitem = lineItemUrl;
      }
    }

    const nrps =
      spec.nrps !== false && context
        ? { context_memberships_url: this.membershipsUrl(context.id), service_versions: ['2.0'] }
        : undefined;

    let deepLinking: Record<string, unknown> | undefined;
    if (isDeepLinking || spec.deepLinking) {
      deepLinking = {
        deep_link_return_url: this.endpoints.deepLinkReturn,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: true,
        auto_create: true,
        data: `dl-${randomId(9)}`,
        ...spec.deepLinking,
      };
      if (deepLinking.data === null || deepLinking.data === undefined) delete deepLinking.data;
      const list = this.state.deepLinkData.get(tool.clientId) ?? [];
      list.push(typeof deepLinking.data === 'string' ? deepLinking.data : undefined);
      this.state.deepLinkData.set(tool.clientId, list);
    }

    const storageTarget =
      spec.storageTarget === false
        ? undefined
        : (spec.storageTarget ?? (this.mode === 'canvas' ? 'post_message_forwarding' : undefined));

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
        return_url: `${this.url}/return`,
        locale: 'en-US',
        ...spec.launchPresentation,
      },
      storageTarget,
      audArray: spec.audArray ?? this.opts.audArray ?? false,
      extraClaims: spec.extraClaims ?? {},
      tamper: spec.tamper,
      lineItemUrl,
      createdAt: Date.now(),
      expiresAt: Date.now() + PENDING_TTL_MS,
      uses: 0,
    };
    this.state.pending.set(messageHint, pending);

    if (context && user !== 'anonymous') this.addLaunchUserToRoster(context.id, user, roles);

    const params: Record<string, string> = {
      iss: this.issuer,
      login_hint: loginHint,
      target_link_uri: targetLinkUri,
      lti_message_hint: messageHint,
      client_id: tool.clientId,
    };
    if (this.mode === 'canvas') {
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
      ...(lineItemUrl ? { lineItemUrl } : {}),
    };
  }

  /** Pending launch by its lti_message_hint (undefined when unknown or expired). */
  pendingLaunch(messageHint: string): PendingLaunch | undefined {
    const p = this.state.pending.get(messageHint);
    if (!p) return undefined;
    if (p.expiresAt < Date.now()) {
      this.state.pending.delete(messageHint);
      return undefined;
    }
    return p;
  }

  /** The last id_token the auth endpoint posted (verbatim). */
  lastIdToken(): string | undefined {
    return this.state.issued[this.state.issued.length - 1]?.idToken;
  }

  /** Every id_token posted, oldest first. */
  idTokens(): IssuedIdToken[] {
    return [...this.state.issued];
  }

  // ---------------------------------------------------------------- observability

  stats(): SimStats {
    return { ...this.state.stats };
  }

  resetStats(): void {
    this.state.stats = emptyStats();
    this.state.requestLog = [];
  }

  /** Requests the sim received (method, path, status, User-Agent, Authorization…), oldest first. */
  requestLog(): RequestLogEntry[] {
    return [...this.state.requestLog];
  }

  /** @internal */
  logRequest(entry: RequestLogEntry): void {
    this.state.requestLog.push(entry);
    if (this.state.requestLog.length > REQUEST_LOG_CAP) this.state.requestLog.shift();
  }

  /** Client assertions received at the token endpoint (decoded), with the verdict. */
  assertions(): DecodedAssertion[] {
    return [...this.state.assertions];
  }

  accessTokens(): IssuedAccessToken[] {
    return [...this.state.accessTokens.values()];
  }

  /** Mint an access token directly (skips the token endpoint). */
  issueAccessToken(options: { clientId?: string; scopes?: string[]; ttlSec?: number } = {}): string {
    const accessToken = `at-${randomId(24)}`;
    const rec: IssuedAccessToken = {
      accessToken,
      clientId: options.clientId ?? this.clientId,
      scopes: options.scopes ? [...options.scopes] : [...ALL_SERVICE_SCOPES],
      expiresAt: Date.now() + (options.ttlSec ?? this.opts.tokenTtlSec ?? 3600) * 1000,
    };
    this.state.accessTokens.set(accessToken, rec);
    this.state.stats.tokensIssued++;
    return accessToken;
  }

  /** Invalidate every access token (the next service call gets 401). */
  revokeTokens(): void {
    this.state.accessTokens.clear();
  }

  deepLinkResponses(): DeepLinkResponseRecord[] {
    return [...this.state.deepLinkResponses];
  }

  // ---------------------------------------------------------------- failures

  /** Fail the next matching request(s) with `status` (e.g. 503 twice). */
  failNext(rule: FailRule): void {
    this.state.failRules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.state.failRules = [];
  }

  /** While down, every request answers 503. */
  setDown(down: boolean): void {
    this.state.down = down;
  }

  // ---------------------------------------------------------------- AGS

  lineItemsUrl(contextId: string): string {
    const base = `${this.url}/ags/${encodeURIComponent(contextId)}/lineitems`;
    return this.mode === 'moodle' ? `${base}?type_id=1` : base;
  }

  lineItemUrl(contextId: string, id: string): string {
    const base = `${this.url}/ags/${encodeURIComponent(contextId)}/lineitems/${encodeURIComponent(id)}`;
    return this.mode === 'moodle' ? `${base}/lineitem?type_id=1` : base;
  }

  /** @internal */
  insertLineItem(contextId: string, item: LineItemFields, createdBy: string): LineItemRecord {
    const id = String(++this.state.lineItemSeq);
    const rec: LineItemRecord = { id, contextId, item: { ...item }, createdBy };
    this.state.lineItems.set(id, rec);
    return rec;
  }

  /** @internal */
  lineItemJson(rec: LineItemRecord): LineItem {
    return { id: this.lineItemUrl(rec.contextId, rec.id), ...rec.item };
  }

  /** @internal Find a line item by its numeric id or its URL. */
  findLineItem(idOrUrl: string): LineItemRecord | undefined {
    const direct = this.state.lineItems.get(idOrUrl);
    if (direct) return direct;
    for (const rec of this.state.lineItems.values()) {
      if (this.lineItemUrl(rec.contextId, rec.id) === idOrUrl) return rec;
    }
    const m = /\/lineitems\/([^/?]+)/.exec(idOrUrl);
    return m ? this.state.lineItems.get(decodeURIComponent(m[1]!)) : undefined;
  }

  createLineItem(input: CreateLineItemInput): LineItem {
    const { contextId = DEFAULT_CONTEXT.id, ...item } = input;
    if (!this.state.contexts.has(contextId)) this.state.contexts.set(contextId, { id: contextId });
    return this.lineItemJson(this.insertLineItem(contextId, item, 'platform'));
  }

  lineItems(contextId?: string): LineItem[] {
    return [...this.state.lineItems.values()]
      .filter((r) => contextId === undefined || r.contextId === contextId)
      .map((r) => this.lineItemJson(r));
  }

  /** Accepted scores, oldest first; optionally for one line item (id or URL). */
  scores(lineItemId?: string): RecordedScore[] {
    if (lineItemId === undefined) return [...this.state.scores];
    const rec = this.findLineItem(lineItemId);
    if (!rec) return [];
    return this.state.scores.filter((s) => s.lineItemId === rec.id);
  }

  /** The score that counts (latest timestamp) per user for a line item. */
  latestScores(lineItemId: string): RecordedScore[] {
    const rec = this.findLineItem(lineItemId);
    if (!rec) return [];
    return [...this.state.latestScores.values()].filter((s) => s.lineItemId === rec.id);
  }

  // ---------------------------------------------------------------- NRPS

  membershipsUrl(contextId: string): string {
    return `${this.url}/nrps/${encodeURIComponent(contextId)}/memberships`;
  }

  private rosterFor(contextId: string): Roster {
    let r = this.state.rosters.get(contextId);
    if (!r) {
      r = { seq: 0, explicit: false, entries: new Map() };
      this.state.rosters.set(contextId, r);
    }
    return r;
  }

  private upsertMember(roster: Roster, member: Member): void {
    const prev = roster.entries.get(member.user_id);
    if (prev && JSON.stringify(prev.member) === JSON.stringify(member)) return;
    roster.entries.set(member.user_id, { member, seq: ++roster.seq });
  }

  /**
   * Replace a context's roster. Members missing from the new list become `Deleted` tombstones
   * (visible through the `differences` link). Launch users are no longer added automatically.
   */
  setRoster(contextId: string, members: Member[], context?: { label?: string; title?: string }): void {
    const roster = this.rosterFor(contextId);
    roster.explicit = true;
    const known = this.state.contexts.get(contextId);
    this.state.contexts.set(contextId, { ...known, ...context, id: contextId });
    const ids = new Set(members.map((m) => m.user_id));
    for (const [id, entry] of roster.entries) {
      if (!ids.has(id) && entry.member.status !== 'Deleted') {
        roster.entries.set(id, { member: { ...entry.member, status: 'Deleted' }, seq: ++roster.seq });
      }
    }
    for (const m of members) this.upsertMember(roster, { ...m, status: m.status ?? 'Active', roles: [...m.roles] });
  }

  /** Current roster (without Deleted tombstones). */
  roster(contextId: string): Member[] {
    const r = this.state.rosters.get(contextId);
    if (!r) return [];
    return [...r.entries.values()].map((e) => e.member).filter((m) => m.status !== 'Deleted');
  }

  private addLaunchUserToRoster(contextId: string, user: LaunchUser, roles: string[]): void {
    const roster = this.rosterFor(contextId);
    if (roster.explicit || !user.sub) return;
    const m: Member = { user_id: user.sub, roles: [...roles], status: 'Active' };
    for (const k of ['name', 'given_name', 'family_name', 'email'] as const) {
      const v = user[k];
      if (typeof v === 'string') m[k] = v;
    }
    this.upsertMember(roster, m);
  }

  // ---------------------------------------------------------------- dynamic registration

  /** The platform OpenID configuration (what GET /.well-known/openid-configuration returns). */
  openidConfiguration(): Record<string, unknown> {
    const cfg: Record<string, unknown> = {
      issuer: this.issuer,
      authorization_endpoint: this.endpoints.auth,
      token_endpoint: this.endpoints.token,
      jwks_uri: this.endpoints.jwks,
      registration_endpoint: this.endpoints.registration,
      scopes_supported: ['openid', ...ALL_SERVICE_SCOPES],
      response_types_supported: ['id_token'],
      response_modes_supported: ['form_post'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['iss', 'aud', 'sub', 'iat', 'exp', 'nonce', 'name', 'given_name', 'family_name', 'email', 'picture', 'locale'],
      subject_types_supported: ['public', 'pairwise'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      [PLATFORM_CONFIGURATION]: {
        product_family_code: PRODUCT_FAMILY_CODE[this.mode],
        version: '1.0.0-sim',
        messages_supported: [
          { type: 'LtiResourceLinkRequest' },
          { type: 'LtiDeepLinkingRequest', placements: ['link_selection', 'assignment_selection'] },
        ],
        variables: ['User.id', 'Context.id', 'ResourceLink.id'],
      },
    };
    if (this.mode === 'brightspace' || this.opts.tokenAudience) cfg.authorization_server = this.tokenAudience();
    for (const [k, v] of Object.entries(this.opts.openidConfigurationOverrides ?? {})) {
      if (v === null) delete cfg[k];
      else cfg[k] = v;
    }
    return cfg;
  }

  /**
   * Begin dynamic registration: the URL the LMS would open (the tool's registration URL plus
   * `openid_configuration` and a one-hour `registration_token`). The token is standard base64
   * (contains + / =) so sloppy URL handling shows up. `doubleEncodeToken` reproduces the
   * Blackboard quirk of percent-encoding the token twice; the sim still only accepts the raw token.
   */
  startRegistration(options: { toolRegistrationUrl: string; doubleEncodeToken?: boolean }): string {
    const token = randomStdBase64();
    this.state.registrationTokens.set(token, {
      token,
      toolRegistrationUrl: options.toolRegistrationUrl,
      expiresAt: Date.now() + 3600 * 1000,
      used: false,
    });
    const u = new URL(options.toolRegistrationUrl);
    u.searchParams.set('openid_configuration', this.endpoints.openidConfiguration);
    if (!options.doubleEncodeToken) {
      u.searchParams.set('registration_token', token);
      return u.toString();
    }
    const sep = u.search ? '&' : '?';
    return `${u.toString()}${sep}registration_token=${encodeURIComponent(encodeURIComponent(token))}`;
  }

  registrations(): DynamicRegistration[] {
    return [...this.state.registrations];
  }

  /** @internal */
  platformName(): string {
    return PLATFORM_NAME[this.mode];
  }
}

/**
 * Build the simulator without listening on a port. `baseUrl` is the URL the sim is reachable at
 * (used for the issuer and every endpoint URL); serve `sim.app.fetch` yourself or call `sim.fetch`.
 */
export async function createLmsSimApp(options: LmsSimOptions & { baseUrl?: string } = {}): Promise<LmsSimulator> {
  const keyStore = await KeyStore.create();
  return new LmsSimulator(options.baseUrl ?? 'http://lms-sim.localhost', keyStore, options);
}
