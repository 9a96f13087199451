// Launch storage: login states, launch rows and their event timeline. Shaped for few round
// trips and bounded writes: a login is one small row, a completed or failed launch one more
// statement (see complete-launch.ts) that writes the launch row and its timeline — one
// launch_timeline row per write, the events as one JSON array (the view launch_events reads
// them back one per row). A login state is used up in exactly one place: `consumeLoginState`,
// which both the completion and the failure statements embed.
import { type Kysely, type QueryCreator, type RawBuilder, sql, type Transaction } from 'kysely';
import { compiledOnce } from '../compiled-once.js';
import type { Database, EventOutcome, Launch, LoginState, NewLoginState, StoredEvent } from '../schema.js';

export interface EventInput {
  step: string;
  outcome: EventOutcome;
  error_code?: string | null;
  duration_ms?: number | null;
  details?: Record<string, unknown>;
  at?: Date;
}

/** What a verified launch tells about itself: stored on the launch row, landed or failed. */
export interface LaunchDetails {
  deployment_id: string;
  message_type: string;
  lti_sub: string;
  context_id: string | null;
  context_title: string | null;
  resource_link_id: string | null;
  resource_link_title: string | null;
  roles: string[];
  ags_lineitem_url: string | null;
  ags_lineitems_url: string | null;
  ags_scopes: string[];
  nrps_memberships_url: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

/** One write's events as the one launch_timeline row that stores them. */
export const timelineRow = (correlationId: string, workspaceId: string | null, events: EventInput[]) => ({
  correlation_id: correlationId,
  workspace_id: workspaceId,
  events: JSON.stringify(storedEvents(events)),
});

/**
 * The one place a login state is used up: single use, atomically — the first statement to
 * run it flips `consumed_at`; any later one (a replay, on any node) matches nothing.
 */
export function consumeLoginState(q: QueryCreator<Database>, state: string, landing?: { codeHash: string | null; session: RawBuilder<unknown> }) {
  return q
    .updateTable('login_states')
    .set(landing ? { consumed_at: sql`now()`, landing_code_hash: landing.codeHash, landing: landing.session as RawBuilder<string> } : { consumed_at: sql`now()` })
    .where('state', '=', state)
    .where('consumed_at', 'is', null);
}

/**
 * The landing's half of the single-use code: clears it (one update, on any node) and returns
 * what the learner session holds — or undefined when the code is unknown, used or older than
 * `ttlSec` since the launch completed.
 */
export async function redeemLandingCode(db: Kysely<Database>, state: string, codeHash: string, ttlSec: number): Promise<Record<string, string> | undefined> {
  const [row] = await clearLandingCode(db, { state, codeHash, ttlSec });
  return row?.landing ?? undefined;
}

/** A login's events as its state row keeps them (the dates as ISO strings). */
export const storedEvents = (events: EventInput[]): StoredEvent[] =>
  events.map((e) => ({
    step: e.step,
    outcome: e.outcome,
    error_code: e.error_code ?? null,
    duration_ms: e.duration_ms ?? null,
    details: e.details ?? {},
    at: (e.at ?? new Date()).toISOString(),
  }));

/** A login state's events, to lead the launch's timeline once the platform answers. */
export const loginEventsOf = (state: Pick<LoginState, 'login_events'>): EventInput[] =>
  (state.login_events ?? []).map((e) => ({ step: e.step, outcome: e.outcome, error_code: e.error_code, duration_ms: e.duration_ms, details: e.details, at: new Date(e.at) }));

/** The login state as the login hop writes it. */
export type LoginStateInput = Omit<NewLoginState, 'login_events' | 'created_at' | 'consumed_at' | 'deployment_id_hint'> & { deployment_id_hint: string | null };

// Hot statements (every launch runs them): built once, re-bound (see compiled-once.ts).
const insertLoginState = compiledOnce((db, p: LoginStateInput & { login_events: string }) =>
  db.insertInto('login_states').values({
    state: p.state,
    nonce: p.nonce,
    correlation_id: p.correlation_id,
    workspace_id: p.workspace_id,
    platform_id: p.platform_id,
    issuer: p.issuer,
    client_id: p.client_id,
    deployment_id_hint: p.deployment_id_hint,
    target_link_uri: p.target_link_uri,
    storage: p.storage,
    expires_at: p.expires_at,
    login_events: p.login_events,
  }),
);
const selectLoginState = compiledOnce((db, p: { state: string }) => db.selectFrom('login_states').selectAll().where('state', '=', p.state));
const clearLandingCode = compiledOnce((db, p: { state: string; codeHash: string; ttlSec: number }) =>
  db
    .updateTable('login_states')
    .set({ landing_code_hash: sql<null>`null` })
    .where('state', '=', p.state)
    .where('landing_code_hash', '=', p.codeHash)
    .where('consumed_at', '>', sql<Date>`now() - make_interval(secs => ${p.ttlSec}::int)`)
    .returning('landing'),
);

/**
 * A successful login: ONE small row — the state, with the login's events on it. The launch
 * row and its timeline are written when the platform answers, so a flood of logins that are
 * never answered leaves nothing in the launch history (retention removes the states).
 */
export async function recordLogin(db: Kysely<Database>, state: LoginStateInput, events: EventInput[]): Promise<void> {
  await insertLoginState(db, { ...state, login_events: JSON.stringify(storedEvents(events)) });
}

/** A failed launch: its row (created, or moved from "started"), its events, and its login state used up. */
export async function recordFailure(
  db: Kysely<Database>,
  input: {
    correlationId: string;
    workspaceId: string | null;
    platformId?: string | null;
    issuer?: string | null;
    clientId?: string | null;
    errorCode: string;
    /** The login state this launch used, when it got that far: single use, whatever the outcome. */
    state?: string | null;
    /** What the verified claims said, when the failure came after they were checked. */
    launch?: LaunchDetails | null;
  },
  events: EventInput[],
): Promise<void> {
  const failed = { status: 'failed' as const, error_code: input.errorCode, completed_at: new Date(), ...(input.launch ?? {}) };
  const write = (db: QueryCreator<Database>) =>
    db
      .with('l', (q) =>
        q
          .insertInto('launches')
          .values({
            correlation_id: input.correlationId,
            workspace_id: input.workspaceId,
            platform_id: input.platformId ?? null,
            issuer: input.issuer ?? null,
            client_id: input.clientId ?? null,
            ...failed,
          })
          .onConflict((oc) => oc.column('correlation_id').doUpdateSet(failed).where('launches.status', '=', 'started')),
      )
      .insertInto('launch_timeline')
      .values(timelineRow(input.correlationId, input.workspaceId, events))
      .execute();
  const state = input.state;
  await (state ? write(db.with('s', (q) => consumeLoginState(q, state)) as unknown as QueryCreator<Database>) : write(db));
}

export async function appendEvents(db: Db, correlationId: string, workspaceId: string | null, events: EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('launch_timeline')
    .values(timelineRow(correlationId, workspaceId, events))
    .execute();
}

export async function findLoginState(db: Kysely<Database>, state: string): Promise<LoginState | undefined> {
  const [row] = await selectLoginState(db, { state });
  return row;
}

/**
 * A deep-linking picker's answer, once per launch: marks the launch as answered and appends
 * the events in one statement; false (nothing written) when it had answered already.
 */
export async function recordDeepLinkResponse(db: Kysely<Database>, correlationId: string, workspaceId: string, events: EventInput[]): Promise<boolean> {
  const row = await db
    .with('l', (q) =>
      q.updateTable('launches').set({ deep_link_responded_at: sql`now()` }).where('correlation_id', '=', correlationId).where('deep_link_responded_at', 'is', null).returning('id'),
    )
    .with('ev', (q) =>
      q
        .insertInto('launch_timeline')
        .columns(['correlation_id', 'workspace_id', 'events'])
        .expression(sql`select ${correlationId}, ${workspaceId}::uuid, ${timelineRow(correlationId, workspaceId, events).events}::jsonb where exists (select 1 from l)`),
    )
    .selectNoFrom((eb) => [eb.selectFrom('l').select('id').as('launch_id')])
    .executeTakeFirstOrThrow();
  return row.launch_id !== null;
}

/** Whether this deep-linking launch's picker has answered its platform. */
export async function deepLinkResponded(db: Kysely<Database>, correlationId: string): Promise<boolean> {
  const row = await db.selectFrom('launches').select('deep_link_responded_at').where('correlation_id', '=', correlationId).executeTakeFirst();
  return !!row?.deep_link_responded_at;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_LOOSE = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * A correlation ID as the runtime mints and stores it: a lowercase hyphenated UUID. People paste
 * them upper-cased, braced, as a URN or without hyphens; any of those is the same ID. Anything
 * that is not a UUID is returned trimmed, unchanged.
 */
export function canonicalCorrelationId(raw: string): string {
  const s = raw.trim();
  const m = UUID_LOOSE.exec(s);
  return m ? m.slice(1, 6).join('-').toLowerCase() : s;
}

/** A launch of this workspace by its correlation ID or its launch ID (the Grades API accepts either, in any letter case). */
export async function findLaunchByRef(db: Db, workspaceId: string, rawRef: string): Promise<Launch | undefined> {
  const ref = canonicalCorrelationId(rawRef);
  const rows = await db
    .selectFrom('launches')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => (UUID.test(ref) ? eb.or([eb('correlation_id', '=', ref), eb('id', '=', ref)]) : eb('correlation_id', '=', ref)))
    .limit(2)
    .execute();
  return rows.find((r) => r.correlation_id === ref) ?? rows[0];
}
