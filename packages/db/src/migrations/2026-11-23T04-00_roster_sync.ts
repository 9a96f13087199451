// Names and Roles roster sync: one row per sync request (the dashboard's progress and counts),
// and each LMS user's membership of a course context as the last full roster said it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('roster_syncs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('platform_id', 'uuid', (c) => c.notNull().references('platforms.id').onDelete('cascade'))
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('context_title', 'text')
    .addColumn('memberships_url', 'text', (c) => c.notNull())
    // The deployment of the launch the URL came from (sent with the token request).
    .addColumn('deployment_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'done', 'failed')`))
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('members', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deactivated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('truncated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('job_id', 'uuid')
    // A user id, or 'schedule' for the scheduled re-sync.
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  // At most one queued or running sync per context.
  await sql`create unique index roster_syncs_one_active on roster_syncs (platform_id, context_id) where status in ('queued', 'running')`.execute(db);
  await db.schema.createIndex('roster_syncs_workspace_created').on('roster_syncs').columns(['workspace_id', 'created_at']).execute();
  await db.schema.createIndex('roster_syncs_context_created').on('roster_syncs').columns(['platform_id', 'context_id', 'created_at']).execute();

  await db.schema
    .createTable('context_memberships')
    .addColumn('platform_id', 'uuid', (c) => c.notNull().references('platforms.id').onDelete('cascade'))
    .addColumn('context_id', 'text', (c) => c.notNull())
    .addColumn('identity_id', 'uuid', (c) => c.notNull().references('lti_identities.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'inactive')`))
    // The sync that last saw this member (a retried sync skips counting it twice).
    .addColumn('last_sync_id', 'uuid')
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('context_memberships_platform_context_identity', ['platform_id', 'context_id', 'identity_id'])
    .execute();
  await db.schema.createIndex('context_memberships_identity').on('context_memberships').column('identity_id').execute();
  await db.schema.createIndex('launches_platform_context').on('launches').columns(['platform_id', 'context_id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
