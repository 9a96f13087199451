// Launch cost (issue 12): the timeline is stored as one row per write — a hop's events as
// one compact JSON array — instead of one row (and three index entries) per event; the view
// `launch_events` unfolds it with the old columns, so every reader keeps its query.
// The landing code rides on the login state (a hash and the session's contents, written by
// the completion statement itself), so a launch no longer inserts and deletes a row of its
// own for it. Login states lose the unique index on nonce (a random value, never looked up)
// and keep a BRIN index for retention (rows arrive in time order).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('launch_timeline')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // [{ step, outcome, error_code, duration_ms, details, at }, …] in the order they happened
    .addColumn('events', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('launch_timeline_correlation').on('launch_timeline').column('correlation_id').execute();
  await db.schema.createIndex('launch_timeline_created_at').on('launch_timeline').using('brin').column('created_at').execute();
  await sql`
    insert into launch_timeline (correlation_id, workspace_id, created_at, events)
    select correlation_id, workspace_id, created_at,
      jsonb_build_array(jsonb_build_object('step', step, 'outcome', outcome, 'error_code', error_code, 'duration_ms', duration_ms, 'details', details, 'at', created_at))
    from launch_events order by id`.execute(db);
  await db.schema.dropTable('launch_events').execute();
  // Ids stay unique and ordered: a row's events get its id × 1000 + their position.
  await sql`
    create view launch_events as
    select t.id * 1000 + e.n as id, t.correlation_id, t.workspace_id,
      e.v->>'step' as step, e.v->>'outcome' as outcome, e.v->>'error_code' as error_code,
      (e.v->>'duration_ms')::real as duration_ms, coalesce(e.v->'details', '{}'::jsonb) as details,
      coalesce((e.v->>'at')::timestamptz, t.created_at) as created_at
    from launch_timeline t cross join lateral jsonb_array_elements(t.events) with ordinality as e(v, n)`.execute(db);

  await db.schema.alterTable('login_states').addColumn('landing_code_hash', 'text').addColumn('landing', 'jsonb').execute();
  await db.schema.dropTable('learner_codes').execute();
  await sql`alter table login_states drop constraint if exists login_states_nonce_key`.execute(db);
  await db.schema.dropIndex('login_states_expires_at').execute();
  await db.schema.createIndex('login_states_expires_at').on('login_states').using('brin').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
