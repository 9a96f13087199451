// Launch storage: login states, launch rows and their event timeline. Shaped for few
// round trips: a login is one statement; a launch is one state-consuming update plus one
// transaction at the end.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, EventOutcome, Launch, LaunchEvent, LoginState, NewLoginState } from '../schema.js';

export interface EventInput {
  step: string;
  outcome: EventOutcome;
  error_code?: string | null;
  duration_ms?: number | null;
  details?: Record<string, unknown>;
  at?: Date;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Timeline events as launch_events rows. */
export const eventRows = (correlationId: string, workspaceId: string | null, events: EventInput[]) =>
  events.map((e) => ({
    correlation_id: correlationId,
    workspace_id: workspaceId,
    step: e.step,
    outcome: e.outcome,
    error_code: e.error_code ?? null,
    duration_ms: e.duration_ms ?? null,
    details: JSON.stringify(e.details ?? {}),
    ...(e.at ? { created_at: e.at } : {}),
  }));

/** A successful login: the state row, the launch row ("started") and the events, in one statement. */
export async function recordLogin(db: Db, state: NewLoginState, events: EventInput[]): Promise<void> {
  await db
    .with('s', (q) => q.insertInto('login_states').values(state))
    .with('l', (q) =>
      q.insertInto('launches').values({
        correlation_id: state.correlation_id,
        workspace_id: state.workspace_id,
        platform_id: state.platform_id,
        issuer: state.issuer,
        client_id: state.client_id,
        status: 'started',
      }),
    )
    .insertInto('launch_events')
    .values(eventRows(state.correlation_id, state.workspace_id, events))
    .execute();
}

/** A failure before or without a login state: a failed launch row plus its events. */
export async function recordFailure(
  db: Db,
  input: {
    correlationId: string;
    workspaceId: string | null;
    platformId?: string | null;
    issuer?: string | null;
    clientId?: string | null;
    errorCode: string;
    consumeState?: string | null;
    /** What the verified claims said, when the failure came after they were checked. */
    launch?: FailedLaunchDetails | null;
  },
  events: EventInput[],
): Promise<void> {
  // A failed launch uses up its state too: single use, whatever the outcome.
  const state = input.consumeState ?? null;
  await db
    .with('s', (q) => q.updateTable('login_states').set({ consumed_at: sql`coalesce(consumed_at, now())` }).where('state', '=', state ?? ''))
    .with('l', (q) =>
      q
        .insertInto('launches')
        .values({
          correlation_id: input.correlationId,
          workspace_id: input.workspaceId,
          platform_id: input.platformId ?? null,
          issuer: input.issuer ?? null,
          client_id: input.clientId ?? null,
          status: 'failed',
          error_code: input.errorCode,
          completed_at: new Date(),
          ...(input.launch ?? {}),
        })
        .onConflict((oc) =>
          oc
            .column('correlation_id')
            .doUpdateSet({ status: 'failed', error_code: input.errorCode, completed_at: new Date(), ...(input.launch ?? {}) })
            .where('launches.status', '=', 'started'),
        ),
    )
    .insertInto('launch_events')
    .values(eventRows(input.correlationId, input.workspaceId, events))
    .execute();
}

export async function appendEvents(db: Db, correlationId: string, workspaceId: string | null, events: EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('launch_events').values(eventRows(correlationId, workspaceId, events)).execute();
}

export interface FailedLaunchDetails {
  deployment_id: string;
  message_type: string;
  lti_sub: string;
  context_id: string | null;
  context_title: string | null;
  resource_link_id: string | null;
  resource_link_title: string | null;
  roles: string[];
}

export type ConsumeResult =
  | { ok: true; state: LoginState }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'consumed' | 'expired'; state: LoginState };

/**
 * Single use, atomically: the first caller flips consumed_at and gets the row; any replay
 * (on any node) finds it consumed. Expired states are consumed too, so they cannot linger.
 */
export async function consumeLoginState(db: Db, state: string, now = new Date()): Promise<ConsumeResult> {
  const row = await db
    .updateTable('login_states')
    .set({ consumed_at: now })
    .where('state', '=', state)
    .where('consumed_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (row) return row.expires_at.getTime() < now.getTime() ? { ok: false, reason: 'expired', state: row } : { ok: true, state: row };
  const existing = await db.selectFrom('login_states').selectAll().where('state', '=', state).executeTakeFirst();
  return existing ? { ok: false, reason: 'consumed', state: existing } : { ok: false, reason: 'unknown' };
}

/** Housekeeping: drop login states past their expiry (consumed or not). */
export async function pruneLoginStates(db: Db, olderThan: Date): Promise<number> {
  const r = await db.deleteFrom('login_states').where('expires_at', '<', olderThan).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function findLaunchByCorrelation(db: Db, correlationId: string): Promise<Launch | undefined> {
  return db.selectFrom('launches').selectAll().where('correlation_id', '=', correlationId).executeTakeFirst();
}

export async function getTimeline(db: Db, correlationId: string): Promise<LaunchEvent[]> {
  return db.selectFrom('launch_events').selectAll().where('correlation_id', '=', correlationId).orderBy('id').execute();
}

export const nowSql = sql<Date>`now()`;

export async function findLoginState(db: Db, state: string): Promise<LoginState | undefined> {
  return db.selectFrom('login_states').selectAll().where('state', '=', state).executeTakeFirst();
}
