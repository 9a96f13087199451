// Initial schema: tenancy, auth (better-auth models), LMS connections, keys, OIDC state,
// launches + their event timeline, grades, API keys, audit log.
import { type Kysely, sql } from 'kysely';

const id = (b: any) => b.primaryKey().defaultTo(sql`gen_random_uuid()`);
const now = (b: any) => b.notNull().defaultTo(sql`now()`);

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'uuid', id)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addCheckConstraint('workspaces_slug_format', sql`slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'`)
    .execute();

  // --- better-auth models (snake_case columns; mapped in @tether/auth) ---
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('email_verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('image', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('access_token', 'text')
    .addColumn('refresh_token', 'text')
    .addColumn('id_token', 'text')
    .addColumn('access_token_expires_at', 'timestamptz')
    .addColumn('refresh_token_expires_at', 'timestamptz')
    .addColumn('scope', 'text')
    .addColumn('password', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('accounts_user_id').on('accounts').column('user_id').execute();
  await db.schema
    .createTable('verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('verifications_identifier').on('verifications').column('identifier').execute();
  await db.schema
    .createTable('rate_limits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_request', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
    .addColumn('joined_via', 'text', (c) => c.notNull().check(sql`joined_via in ('manual', 'lti')`))
    .addColumn('created_at', 'timestamptz', now)
    .addUniqueConstraint('memberships_workspace_user', ['workspace_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_id').on('memberships').column('user_id').execute();

  await db.schema
    .createTable('scenarios')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('scenarios_workspace_slug', ['workspace_id', 'slug'])
    .addCheckConstraint('scenarios_slug_format', sql`slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'`)
    .execute();

  await db.schema
    .createTable('platforms')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('auth_login_url', 'text', (c) => c.notNull())
    .addColumn('token_url', 'text', (c) => c.notNull())
    .addColumn('token_audience', 'text')
    .addColumn('jwks_url', 'text', (c) => c.notNull())
    .addColumn('registered_via', 'text', (c) => c.notNull().check(sql`registered_via in ('manual', 'dynamic')`))
    .addColumn('deployment_policy', 'text', (c) => c.notNull().check(sql`deployment_policy in ('strict', 'learn')`))
    .addColumn('product_family', 'text')
    .addColumn('product_version', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    // One registration = (issuer, client_id), globally: a launch must resolve to one workspace.
    .addUniqueConstraint('platforms_issuer_client_id', ['issuer', 'client_id'])
    .execute();
  await db.schema.createIndex('platforms_workspace_id').on('platforms').column('workspace_id').execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'uuid', id)
    .addColumn('platform_id', 'uuid', (c) => c.notNull().references('platforms.id').onDelete('cascade'))
    .addColumn('deployment_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('manual', 'registration', 'launch')`))
    .addColumn('created_at', 'timestamptz', now)
    .addUniqueConstraint('deployments_platform_deployment', ['platform_id', 'deployment_id'])
    .execute();

  await db.schema
    .createTable('registration_tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('created_by', 'text')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('platform_id', 'uuid', (c) => c.references('platforms.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('registration_tokens_workspace').on('registration_tokens').column('workspace_id').execute();

  await db.schema
    .createTable('tool_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('current', 'next', 'retired')`))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('activated_at', 'timestamptz')
    .addColumn('retired_at', 'timestamptz')
    .execute();
  // At most one current and one next key at any time.
  await db.schema.createIndex('tool_keys_one_current').on('tool_keys').column('state').unique().where(sql.ref('state'), 'in', ['current', 'next']).execute();

  await db.schema
    .createTable('login_states')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('nonce', 'text', (c) => c.notNull().unique())
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('platform_id', 'uuid', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('deployment_id_hint', 'text')
    .addColumn('target_link_uri', 'text', (c) => c.notNull())
    .addColumn('storage', 'text', (c) => c.notNull().check(sql`storage in ('cookie', 'platform_storage')`))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('consumed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('login_states_expires_at').on('login_states').column('expires_at').execute();

  await db.schema
    .createTable('launches')
    .addColumn('id', 'uuid', id)
    .addColumn('correlation_id', 'text', (c) => c.notNull().unique())
    .addColumn('workspace_id', 'uuid', (c) => c.references('workspaces.id').onDelete('cascade'))
    // Launch history outlives a removed platform or scenario: plain ids, no cascading FK.
    .addColumn('platform_id', 'uuid')
    .addColumn('issuer', 'text')
    .addColumn('client_id', 'text')
    .addColumn('deployment_id', 'text')
    .addColumn('message_type', 'text')
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('lti_sub', 'text')
    .addColumn('context_id', 'text')
    .addColumn('context_title', 'text')
    .addColumn('resource_link_id', 'text')
    .addColumn('resource_link_title', 'text')
    .addColumn('scenario_id', 'uuid')
    .addColumn('roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('ags_lineitem_url', 'text')
    .addColumn('ags_lineitems_url', 'text')
    .addColumn('ags_scopes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('nrps_memberships_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('started', 'landed', 'failed')`))
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('launches_workspace_created').on('launches').columns(['workspace_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('launches_platform_created').on('launches').columns(['platform_id', 'created_at']).execute();

  await db.schema
    .createTable('launch_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid')
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'error', 'info')`))
    .addColumn('error_code', 'text')
    .addColumn('duration_ms', 'real')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('launch_events_correlation').on('launch_events').columns(['correlation_id', 'id']).execute();
  await db.schema.createIndex('launch_events_created_at').on('launch_events').column('created_at').execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('launch_id', 'uuid', (c) => c.notNull().references('launches.id').onDelete('cascade'))
    .addColumn('attempt_key', 'text', (c) => c.notNull())
    .addColumn('score_percent', 'real', (c) => c.notNull().check(sql`score_percent >= 0 and score_percent <= 100`))
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addUniqueConstraint('attempts_workspace_key', ['workspace_id', 'attempt_key'])
    .execute();

  await db.schema
    .createTable('grade_passbacks')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('attempt_id', 'uuid', (c) => c.notNull().references('attempts.id').onDelete('cascade'))
    .addColumn('launch_id', 'uuid', (c) => c.notNull().references('launches.id').onDelete('cascade'))
    .addColumn('platform_id', 'uuid')
    .addColumn('lineitem_url', 'text')
    .addColumn('lti_sub', 'text', (c) => c.notNull())
    .addColumn('score_percent', 'real', (c) => c.notNull())
    .addColumn('score_given', 'real')
    .addColumn('score_maximum', 'real')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received', 'skipped', 'queued', 'sent', 'failed')`))
    .addColumn('error_code', 'text')
    .addColumn('lms_status', 'integer')
    .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('grade_passbacks_workspace_created').on('grade_passbacks').columns(['workspace_id', 'created_at']).execute();
  await db.schema.createIndex('grade_passbacks_launch').on('grade_passbacks').column('launch_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('workspace_id', 'uuid')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', now)
    .execute();
  await db.schema.createIndex('audit_log_workspace_created').on('audit_log').columns(['workspace_id', 'created_at']).execute();

  await db.schema
    .createTable('lti_identities')
    .addColumn('id', 'uuid', id)
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('platform_id', 'uuid', (c) => c.references('platforms.id').onDelete('set null'))
    .addColumn('name', 'text')
    .addColumn('given_name', 'text')
    .addColumn('family_name', 'text')
    .addColumn('email', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'inactive')`))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('lti_identities_workspace_issuer_sub', ['workspace_id', 'issuer', 'sub'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only: restore from a backup to go back.');
}
