/** The LMS simulator: its public API over the state, and the hono app serving the routes. */
import { Hono } from 'hono';
import type { JWK } from 'jose';
import { activityLaunchSpec, addActivity, listActivities } from './activities.js';
import { DEFAULT_CONTEXT } from './defaults.js';
import { KeyStore } from './keys.js';
import { findLineItem, insertLineItem, lineItemJson, lineItemsUrl, lineItemUrl } from './line-items.js';
import { loginInitiation, pendingLaunch } from './login.js';
import { openidConfiguration, startRegistration, tokenAudience } from './platform.js';
import { currentMembers, membershipsUrl, setRoster } from './roster.js';
import { installAgsRoutes } from './routes/ags.js';
import { installLaunchRoutes } from './routes/launch.js';
import { installMiddleware } from './routes/middleware.js';
import { installNrpsRoutes } from './routes/nrps.js';
import { installRegistrationRoutes } from './routes/registration.js';
import { installTokenRoutes } from './routes/token.js';
import { installUiRoutes } from './routes/ui.js';
import { createState, emptyStats, type PendingLaunch, type SimContext, type SimState } from './state.js';
import { issueAccessToken, registerTool } from './tools.js';
import type {
  Activity,
  ActivityInput,
  CreateLineItemInput,
  DecodedAssertion,
  DeepLinkResponseRecord,
  DynamicRegistration,
  Endpoints,
  FailRule,
  IssuedAccessToken,
  IssuedIdToken,
  LaunchAs,
  LaunchSpec,
  LineItem,
  LmsMode,
  LmsSimOptions,
  LmsSimRuntimeOptions,
  LoginInitiation,
  Member,
  RecordedScore,
  RequestLogEntry,
  SimStats,
  ToolRegistration,
  ToolRegistrationInput,
} from './types.js';
import { randomId, trimSlash } from './util.js';

export class LmsSimulator implements SimContext {
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
    this.state = createState();

    const app = new Hono();
    installMiddleware(app, this);
    installLaunchRoutes(app, this);
    installUiRoutes(app, this);
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
    return tokenAudience(this);
  }

  // ---------------------------------------------------------------- tools

  registerTool(input: ToolRegistrationInput): ToolRegistration {
    return registerTool(this, input);
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
    return loginInitiation(this, spec);
  }

  /** Pending launch by its lti_message_hint (undefined when unknown or expired). */
  pendingLaunch(messageHint: string): PendingLaunch | undefined {
    return pendingLaunch(this, messageHint);
  }

  /** The last id_token the auth endpoint posted (verbatim). */
  lastIdToken(): string | undefined {
    return this.state.issued[this.state.issued.length - 1]?.idToken;
  }

  /** Every id_token posted, oldest first. */
  idTokens(): IssuedIdToken[] {
    return [...this.state.issued];
  }

  // ---------------------------------------------------------------- activities

  /** Links placed in courses (accepted deep-linking items, `addActivity`), oldest first; optionally one tool's. */
  activities(clientId?: string): Activity[] {
    return listActivities(this, clientId).map((a) => ({ ...a, custom: { ...a.custom } }));
  }

  /** Place a link in a course, as an accepted deep-linking item would; creates its line item when `lineItem` is given. */
  addActivity(input: ActivityInput = {}): Activity {
    const a = addActivity(this, input);
    return { ...a, custom: { ...a.custom } };
  }

  /** The LaunchSpec of an activity's launch (its resource link, custom parameters, url, line item), for `loginInitiation` or `simulateBrowserLaunch`. */
  activityLaunch(activityId: string, as: LaunchAs = 'learner'): LaunchSpec {
    const activity = this.state.activities.get(activityId);
    if (!activity) throw new Error(`activityLaunch: unknown activity ${activityId}`);
    return activityLaunchSpec(this, activity, as);
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

  /** Client assertions received at the token endpoint (decoded), with the verdict. */
  assertions(): DecodedAssertion[] {
    return [...this.state.assertions];
  }

  accessTokens(): IssuedAccessToken[] {
    return [...this.state.accessTokens.values()];
  }

  /** Mint an access token directly (skips the token endpoint). */
  issueAccessToken(options: { clientId?: string; scopes?: string[]; ttlSec?: number } = {}): string {
    return issueAccessToken(this, options);
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
    return lineItemsUrl(this, contextId);
  }

  lineItemUrl(contextId: string, id: string): string {
    return lineItemUrl(this, contextId, id);
  }

  createLineItem(input: CreateLineItemInput): LineItem {
    const { contextId = DEFAULT_CONTEXT.id, ...item } = input;
    if (!this.state.contexts.has(contextId)) this.state.contexts.set(contextId, { id: contextId });
    return lineItemJson(this, insertLineItem(this, contextId, item, 'platform'));
  }

  lineItems(contextId?: string): LineItem[] {
    return [...this.state.lineItems.values()].filter((r) => contextId === undefined || r.contextId === contextId).map((r) => lineItemJson(this, r));
  }

  /** Accepted scores, oldest first; optionally for one line item (id or URL). */
  scores(lineItemId?: string): RecordedScore[] {
    if (lineItemId === undefined) return [...this.state.scores];
    const rec = findLineItem(this, lineItemId);
    if (!rec) return [];
    return this.state.scores.filter((s) => s.lineItemId === rec.id);
  }

  /** The score that counts (latest timestamp) per user for a line item. */
  latestScores(lineItemId: string): RecordedScore[] {
    const rec = findLineItem(this, lineItemId);
    if (!rec) return [];
    return [...this.state.latestScores.values()].filter((s) => s.lineItemId === rec.id);
  }

  // ---------------------------------------------------------------- NRPS

  membershipsUrl(contextId: string): string {
    return membershipsUrl(this, contextId);
  }

  /**
   * Replace a context's roster. Members missing from the new list become `Deleted` tombstones
   * (visible through the `differences` link). Launch users are no longer added automatically.
   */
  setRoster(contextId: string, members: Member[], context?: { label?: string; title?: string }): void {
    setRoster(this, contextId, members, context);
  }

  /** Current roster (without Deleted tombstones). */
  roster(contextId: string): Member[] {
    return currentMembers(this, contextId);
  }

  // ---------------------------------------------------------------- dynamic registration

  /** The platform OpenID configuration (what GET /.well-known/openid-configuration returns). */
  openidConfiguration(): Record<string, unknown> {
    return openidConfiguration(this);
  }

  /**
   * Begin dynamic registration: the URL the LMS would open (the tool's registration URL plus
   * `openid_configuration` and a one-hour `registration_token`). The token is standard base64
   * (contains + / =) so sloppy URL handling shows up. `doubleEncodeToken` reproduces the
   * Blackboard quirk of percent-encoding the token twice; the sim still only accepts the raw token.
   */
  startRegistration(options: { toolRegistrationUrl: string; doubleEncodeToken?: boolean }): string {
    return startRegistration(this, options);
  }

  registrations(): DynamicRegistration[] {
    return [...this.state.registrations];
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
