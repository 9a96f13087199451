// The typed Database interface. Table and column names are the SQL names (snake_case);
// the auth tables follow better-auth's models, mapped to snake_case in @tether/auth.
import type { ColumnType, Generated, Insertable, JSONColumnType, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type MemberRole = 'admin' | 'member';
export type JoinedVia = 'manual' | 'lti';
export type RegisteredVia = 'manual' | 'dynamic';
export type DeploymentPolicy = 'strict' | 'learn';
export type DeploymentSource = 'manual' | 'registration' | 'launch';
export type ToolKeyState = 'current' | 'next' | 'retired';
export type LaunchStatus = 'started' | 'landed' | 'failed';
export type EventOutcome = 'ok' | 'error' | 'info';
export type StateStorage = 'cookie' | 'platform_storage';
export type PassbackStatus = 'received' | 'skipped' | 'queued' | 'sent' | 'failed';

export interface WorkspacesTable {
  id: Generated<string>;
  slug: string;
  name: string;
  created_at: Generated<Date>;
}

// better-auth "user" model
export interface UsersTable {
  id: string;
  name: string;
  email: string;
  email_verified: Generated<boolean>;
  image: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

// better-auth "session" model
export interface SessionsTable {
  id: string;
  user_id: string;
  token: string;
  expires_at: Date;
  ip_address: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

// better-auth "account" model (credential accounts hold the password hash)
export interface AccountsTable {
  id: string;
  user_id: string;
  account_id: string;
  provider_id: string;
  access_token: string | null;
  refresh_token: string | null;
  id_token: string | null;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  scope: string | null;
  password: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

// better-auth "verification" model
export interface VerificationsTable {
  id: string;
  identifier: string;
  value: string;
  expires_at: Date;
  created_at: Timestamp;
  updated_at: Timestamp;
}

// better-auth "rateLimit" model (database-backed limits work across nodes)
export interface RateLimitsTable {
  id: string;
  key: string;
  count: number;
  last_request: ColumnType<number, number | string, number | string>;
}

export interface MembershipsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  role: MemberRole;
  joined_via: JoinedVia;
  created_at: Generated<Date>;
}

// How an LMS user (issuer + sub) maps to a Tether user in a workspace.
export interface LtiIdentitiesTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  issuer: string;
  sub: string;
  platform_id: string | null;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  email: string | null;
  status: Generated<'active' | 'inactive'>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ScenariosTable {
  id: Generated<string>;
  workspace_id: string;
  slug: string;
  title: string;
  description: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  // 2026-11-29T09-00_scenario_archive: set while archived (hidden from lists and the picker, launches refused).
  archived_at: NullableTimestamp;
}

export interface PlatformsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  issuer: string;
  client_id: string;
  auth_login_url: string;
  token_url: string;
  token_audience: string | null;
  jwks_url: string;
  registered_via: RegisteredVia;
  deployment_policy: DeploymentPolicy;
  product_family: string | null;
  product_version: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DeploymentsTable {
  id: Generated<string>;
  platform_id: string;
  deployment_id: string;
  source: DeploymentSource;
  created_at: Generated<Date>;
}

export interface RegistrationTokensTable {
  jti: string;
  workspace_id: string;
  created_by: string | null;
  expires_at: Date;
  used_at: NullableTimestamp;
  platform_id: string | null;
  /** Failed registrations with this URL; at REGISTRATION_MAX_FAILED_ATTEMPTS it is spent. */
  failed_attempts: Generated<number>;
  created_at: Generated<Date>;
}

export interface ToolKeysTable {
  kid: string;
  public_jwk: Json<Record<string, unknown>>;
  private_jwk_encrypted: string;
  state: ToolKeyState;
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  retired_at: NullableTimestamp;
}

// One row per OIDC login: state + nonce, single use (consumed_at set atomically).
export interface LoginStatesTable {
  state: string;
  nonce: string;
  correlation_id: string;
  workspace_id: string;
  platform_id: string;
  issuer: string;
  client_id: string;
  deployment_id_hint: string | null;
  target_link_uri: string;
  storage: StateStorage;
  created_at: Generated<Date>;
  expires_at: Date;
  consumed_at: NullableTimestamp;
  /** The login's timeline events, kept on this one row until the platform answers (then they join the launch's). */
  login_events: ColumnType<StoredEvent[], string | undefined, string>;
  /** SHA-256 of the single-use landing code the completed launch handed out; cleared when redeemed. */
  landing_code_hash: ColumnType<string | null, never, string | null>;
  /** What the learner session holds, written with the code by the completion statement. */
  landing: ColumnType<Record<string, string> | null, never, string | null>;
}

/** A timeline event as a login state keeps it (compact; the launch_events row shape without ids). */
export interface StoredEvent {
  step: string;
  outcome: EventOutcome;
  error_code: string | null;
  duration_ms: number | null;
  details: Record<string, unknown>;
  at: string;
}

export interface LaunchesTable {
  id: Generated<string>;
  correlation_id: string;
  workspace_id: string | null;
  platform_id: string | null;
  issuer: string | null;
  client_id: string | null;
  deployment_id: string | null;
  message_type: string | null;
  user_id: string | null;
  lti_sub: string | null;
  context_id: string | null;
  context_title: string | null;
  resource_link_id: string | null;
  resource_link_title: string | null;
  scenario_id: string | null;
  roles: Generated<string[]>;
  ags_lineitem_url: string | null;
  ags_lineitems_url: string | null;
  ags_scopes: Generated<string[]>;
  nrps_memberships_url: string | null;
  status: LaunchStatus;
  error_code: string | null;
  created_at: Generated<Date>;
  completed_at: NullableTimestamp;
  /** When this deep-linking launch's picker answered the platform (it answers once). */
  deep_link_responded_at: NullableTimestamp;
}

/** The timeline as stored: one row per write, its events as one compact JSON array. */
export interface LaunchTimelineTable {
  id: Generated<string>;
  correlation_id: string;
  workspace_id: string | null;
  created_at: Generated<Date>;
  events: ColumnType<StoredEvent[], string, never>;
}

/** The timeline one event per row: a read-only view over launch_timeline. */
export interface LaunchEventsTable {
  id: Generated<string>;
  correlation_id: string;
  workspace_id: string | null;
  step: string;
  outcome: EventOutcome;
  error_code: string | null;
  duration_ms: number | null;
  details: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface AttemptsTable {
  id: Generated<string>;
  workspace_id: string;
  launch_id: string;
  attempt_key: string;
  score_percent: ColumnType<number, number, number>;
  submitted_at: Date;
  created_at: Generated<Date>;
}

export interface GradePassbacksTable {
  id: Generated<string>;
  workspace_id: string;
  attempt_id: string;
  launch_id: string;
  platform_id: string | null;
  lineitem_url: string | null;
  lti_sub: string;
  score_percent: ColumnType<number, number, number>;
  score_given: number | null;
  score_maximum: number | null;
  status: PassbackStatus;
  error_code: string | null;
  lms_status: number | null;
  tries: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: NullableTimestamp;
  // 2026-11-23T03-00_grade_passback
  target_key: string | null;
  job_id: string | null;
  skip_code: PassbackSkipCode | null;
  skip_reason: string | null;
  error_message: string | null;
  next_attempt_at: NullableTimestamp;
  score_timestamp: NullableTimestamp;
}

export type PassbackSkipCode = 'not_better' | 'superseded';

// The best score accepted for (platform, line item or resource link, learner): best-of-N.
export interface GradeBestScoresTable {
  platform_id: string;
  target_key: string;
  lti_sub: string;
  workspace_id: string;
  best_percent: ColumnType<number, number, number>;
  best_passback_id: string | null;
  sending_passback_id: string | null;
  sending_until: NullableTimestamp;
  last_sent_passback_id: string | null;
  last_sent_percent: number | null;
  last_sent_timestamp: NullableTimestamp;
  updated_at: Generated<Date>;
}

export type RosterSyncStatus = 'queued' | 'running' | 'done' | 'failed';
/** `full`: the whole roster was read; `differences`: only the changes since the last sync (NRPS differences link). */
export type RosterSyncMode = 'full' | 'differences';

// 2026-11-23T04-00_roster_sync: one Names and Roles sync of a course context.
export interface RosterSyncsTable {
  id: Generated<string>;
  workspace_id: string;
  platform_id: string;
  context_id: string;
  context_title: string | null;
  memberships_url: string;
  deployment_id: string | null;
  status: Generated<RosterSyncStatus>;
  pages: Generated<number>;
  members: Generated<number>;
  added: Generated<number>;
  updated: Generated<number>;
  deactivated: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  truncated: Generated<boolean>;
  tries: Generated<number>;
  job_id: string | null;
  requested_by: string;
  created_at: Generated<Date>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  // 2026-11-23T05-00_roster_differences
  mode: Generated<RosterSyncMode>;
  /** The `rel="differences"` link this sync got; set only when it finished un-truncated. */
  differences_url: string | null;
}

// An LMS user's membership of a course context, as the last roster sync saw it.
export interface ContextMembershipsTable {
  platform_id: string;
  context_id: string;
  identity_id: string;
  workspace_id: string;
  roles: Generated<string[]>;
  status: Generated<'active' | 'inactive'>;
  last_sync_id: string | null;
  synced_at: Generated<Date>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  workspace_id: string | null;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface Database {
  workspaces: WorkspacesTable;
  users: UsersTable;
  sessions: SessionsTable;
  accounts: AccountsTable;
  verifications: VerificationsTable;
  rate_limits: RateLimitsTable;
  memberships: MembershipsTable;
  lti_identities: LtiIdentitiesTable;
  scenarios: ScenariosTable;
  platforms: PlatformsTable;
  deployments: DeploymentsTable;
  registration_tokens: RegistrationTokensTable;
  tool_keys: ToolKeysTable;
  login_states: LoginStatesTable;
  launches: LaunchesTable;
  launch_timeline: LaunchTimelineTable;
  launch_events: LaunchEventsTable;
  attempts: AttemptsTable;
  grade_passbacks: GradePassbacksTable;
  grade_best_scores: GradeBestScoresTable;
  roster_syncs: RosterSyncsTable;
  context_memberships: ContextMembershipsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
}

export type Workspace = Selectable<WorkspacesTable>;
export type Scenario = Selectable<ScenariosTable>;
export type NewScenario = Insertable<ScenariosTable>;
export type ScenarioUpdate = Updateable<ScenariosTable>;
export type Platform = Selectable<PlatformsTable>;
export type NewPlatform = Insertable<PlatformsTable>;
export type Deployment = Selectable<DeploymentsTable>;
export type ToolKeyRow = Selectable<ToolKeysTable>;
export type LoginState = Selectable<LoginStatesTable>;
export type NewLoginState = Insertable<LoginStatesTable>;
export type Launch = Selectable<LaunchesTable>;
export type LaunchEvent = Selectable<LaunchEventsTable>;
export type Membership = Selectable<MembershipsTable>;
export type LtiIdentity = Selectable<LtiIdentitiesTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type Attempt = Selectable<AttemptsTable>;
export type GradePassback = Selectable<GradePassbacksTable>;
export type GradeBestScore = Selectable<GradeBestScoresTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type RosterSync = Selectable<RosterSyncsTable>;
export type ContextMembership = Selectable<ContextMembershipsTable>;
