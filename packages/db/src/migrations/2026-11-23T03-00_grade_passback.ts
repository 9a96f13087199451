// Grade passback: the best score per (platform, line item or resource link, learner), the
// columns the queue worker needs on grade_passbacks, and indexes for the dashboard's lists.
// The durable queue itself (pg-boss) lives in its own schema `pgboss`, installed by pg-boss.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('grade_passbacks')
    // The best-of-N key next to platform_id + lti_sub: the line item URL from the launch, or
    // `resource-link:<resource_link_id> <lineitems URL>` when the launch gave only the container.
    .addColumn('target_key', 'text')
    .addColumn('job_id', 'uuid')
    // not_better | superseded (with `skip_reason` in words), for status = 'skipped'.
    .addColumn('skip_code', 'text')
    .addColumn('skip_reason', 'text')
    .addColumn('error_message', 'text')
    .addColumn('next_attempt_at', 'timestamptz')
    // Fixed when the worker first claims the passback, so a redelivery re-sends the identical score.
    .addColumn('score_timestamp', 'timestamptz')
    .execute();
  // One passback per attempt.
  await db.schema.createIndex('grade_passbacks_attempt').on('grade_passbacks').column('attempt_id').unique().execute();
  await db.schema.createIndex('grade_passbacks_key').on('grade_passbacks').columns(['platform_id', 'target_key', 'lti_sub', 'score_percent']).execute();
  // Dashboard: recent passbacks (keyset on created_at, id), by status, by platform.
  await db.schema.createIndex('grade_passbacks_workspace_created_id').on('grade_passbacks').columns(['workspace_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('grade_passbacks_workspace_status').on('grade_passbacks').columns(['workspace_id', 'status', 'created_at', 'id']).execute();
  await db.schema.dropIndex('grade_passbacks_workspace_created').execute();
  await db.schema.createIndex('attempts_launch').on('attempts').column('launch_id').execute();

  await db.schema
    .createTable('grade_best_scores')
    .addColumn('platform_id', 'uuid', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('lti_sub', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    // The best score accepted for sending (queued or sent); -1 when none is left (all failed).
    .addColumn('best_percent', 'real', (c) => c.notNull())
    .addColumn('best_passback_id', 'uuid')
    // Posts for one key go out one at a time: the passback being sent holds this lease.
    .addColumn('sending_passback_id', 'uuid')
    .addColumn('sending_until', 'timestamptz')
    .addColumn('last_sent_passback_id', 'uuid')
    .addColumn('last_sent_percent', 'real')
    // Score timestamps per key only move forward (platforms drop or refuse older ones).
    .addColumn('last_sent_timestamp', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('grade_best_scores_pkey', ['platform_id', 'target_key', 'lti_sub'])
    .execute();

  await db.schema.createIndex('api_keys_workspace').on('api_keys').column('workspace_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
