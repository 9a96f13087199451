// Dynamic registration storage: one-time URLs (claimed atomically; a failed registration
// releases the URL for a retry within the hour, up to REGISTRATION_MAX_FAILED_ATTEMPTS
// failures) and the idempotent save of the platform the LMS registered us with.
import { type Kysely, sql } from 'kysely';
import type { Database, Platform, StoredEvent } from '../schema.js';
import { writeAudit } from './audit.js';
import { type EventInput, timelineRow } from './launches.js';

/** Stores a minted one-time registration URL's jti (so the runtime can refuse a second use) with its audit entry, in one transaction. */
export async function storeRegistrationToken(
  db: Kysely<Database>,
  t: { jti: string; workspaceId: string; createdBy: string | null; expiresAt: Date; actor: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('registration_tokens').values({ jti: t.jti, workspace_id: t.workspaceId, created_by: t.createdBy, expires_at: t.expiresAt }).execute();
    await writeAudit(trx, {
      workspace_id: t.workspaceId,
      actor: t.actor,
      action: 'registration_url.create',
      target_type: 'registration_token',
      target_id: t.jti,
      details: { expiresAt: t.expiresAt.toISOString() },
    });
  });
}

export type ClaimResult = { ok: true } | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'wrong_workspace' };

export async function claimRegistrationToken(db: Kysely<Database>, jti: string, workspaceId: string): Promise<ClaimResult> {
  const claimed = await db
    .updateTable('registration_tokens')
    .set({ used_at: sql`now()` })
    .where('jti', '=', jti)
    .where('workspace_id', '=', workspaceId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('jti')
    .executeTakeFirst();
  if (claimed) return { ok: true };
  const row = await db.selectFrom('registration_tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.workspace_id !== workspaceId) return { ok: false, reason: 'wrong_workspace' };
  if (row.used_at) return { ok: false, reason: 'used' };
  return { ok: false, reason: 'expired' };
}

/**
 * Failed registrations a one-time URL survives. Each failure makes Tether fetch URLs the LMS
 * side chose; without a bound one URL would be an unlimited fetcher (the address guard keeps
 * internal networks out, this keeps the count small).
 */
export const REGISTRATION_MAX_FAILED_ATTEMPTS = 5;

export interface ReleaseResult {
  /** The URL may be used again (false: spent, or it already registered a platform). */
  released: boolean;
  failedAttempts: number;
}

/**
 * Records a failed registration with a claimed URL, in one statement: the failure is counted,
 * and the URL is released for another try unless this was failure number
 * REGISTRATION_MAX_FAILED_ATTEMPTS — then it stays used (spent). A URL that registered a
 * platform is never touched.
 */
export async function releaseRegistrationToken(db: Kysely<Database>, jti: string): Promise<ReleaseResult> {
  const row = await db
    .updateTable('registration_tokens')
    .set((eb) => ({
      failed_attempts: eb('failed_attempts', '+', 1),
      used_at: sql<Date | null>`case when failed_attempts + 1 >= ${REGISTRATION_MAX_FAILED_ATTEMPTS} then used_at else null end`,
    }))
    .where('jti', '=', jti)
    .where('platform_id', 'is', null)
    .returning(['failed_attempts', 'used_at'])
    .executeTakeFirst();
  if (!row) return { released: false, failedAttempts: 0 };
  return { released: row.used_at === null, failedAttempts: row.failed_attempts };
}

export interface RegisteredPlatformInput {
  workspaceId: string;
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  tokenUrl: string;
  tokenAudience: string | null;
  jwksUrl: string;
  productFamily: string | null;
  productVersion: string | null;
  deploymentId: string | null;
  jti: string;
}

export type SaveRegisteredResult = { ok: true; platform: Platform; created: boolean } | { ok: false; reason: 'other_workspace'; existing: Platform };

/**
 * Insert, or — when this workspace already has (issuer, client_id) — update it in place:
 * re-registering never duplicates. The token is linked to the platform in the same transaction.
 */
export async function saveRegisteredPlatform(db: Kysely<Database>, p: RegisteredPlatformInput): Promise<SaveRegisteredResult> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('platforms').selectAll().where('issuer', '=', p.issuer).where('client_id', '=', p.clientId).forUpdate().executeTakeFirst();
    if (existing && existing.workspace_id !== p.workspaceId) return { ok: false as const, reason: 'other_workspace' as const, existing };
    const values = {
      name: p.name,
      auth_login_url: p.authLoginUrl,
      token_url: p.tokenUrl,
      token_audience: p.tokenAudience,
      jwks_url: p.jwksUrl,
      product_family: p.productFamily,
      product_version: p.productVersion,
    };
    const platform = existing
      ? await trx
          .updateTable('platforms')
          .set({ ...values, updated_at: sql`now()` })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await trx
          .insertInto('platforms')
          .values({ ...values, workspace_id: p.workspaceId, issuer: p.issuer, client_id: p.clientId, registered_via: 'dynamic', deployment_policy: 'learn' })
          .returningAll()
          .executeTakeFirstOrThrow();
    if (p.deploymentId) {
      await trx
        .insertInto('deployments')
        .values({ platform_id: platform.id, deployment_id: p.deploymentId, source: 'registration' })
        .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing())
        .execute();
    }
    await trx.updateTable('registration_tokens').set({ platform_id: platform.id, used_at: sql`coalesce(used_at, now())` }).where('jti', '=', p.jti).execute();
    return { ok: true as const, platform, created: !existing };
  });
}

/**
 * The message type of the `launches` row a dynamic registration is kept as (so the dashboard
 * finds it by correlation ID). It is not a launch: launch lists, counts and "last launch" leave
 * these rows out; `listRegistrations` reads them.
 */
export const REGISTRATION_MESSAGE_TYPE = 'DynamicRegistration';

/** A dynamic registration's outcome and timeline, kept like a launch so the dashboard finds it by correlation ID. */
export async function recordRegistrationOutcome(
  db: Kysely<Database>,
  r: { correlationId: string; workspaceId: string | null; platformId: string | null; issuer: string | null; clientId: string | null; errorCode: string | null },
  events: EventInput[],
): Promise<void> {
  await db
    .with('l', (q) =>
      q.insertInto('launches').values({
        correlation_id: r.correlationId,
        workspace_id: r.workspaceId,
        platform_id: r.platformId,
        issuer: r.issuer,
        client_id: r.clientId,
        message_type: REGISTRATION_MESSAGE_TYPE,
        status: r.errorCode ? 'failed' : 'landed',
        error_code: r.errorCode,
        completed_at: new Date(),
      }),
    )
    .insertInto('launch_timeline')
    .values(timelineRow(r.correlationId, r.workspaceId, events))
    .execute();
}

export interface RegistrationHistoryRow {
  id: string;
  correlation_id: string;
  status: 'landed' | 'failed' | 'started';
  error_code: string | null;
  platform_id: string | null;
  platform_name: string | null;
  issuer: string | null;
  client_id: string | null;
  created_at: Date;
  /** The registration's timeline (one write): what the LMS sent and answered, for failures too. */
  events: StoredEvent[];
}

/**
 * A workspace's dynamic registrations, newest first (at most `limit`): the rows
 * `recordRegistrationOutcome` keeps, each with its timeline. The partial index
 * `launches_registrations` serves it however many launches the workspace has.
 */
export async function listRegistrations(db: Kysely<Database>, workspaceId: string, limit = 50): Promise<RegistrationHistoryRow[]> {
  const rows = await db
    .selectFrom('launches as l')
    .leftJoin('platforms as p', (j) => j.onRef('p.id', '=', 'l.platform_id').onRef('p.workspace_id', '=', 'l.workspace_id'))
    .select([
      'l.id',
      'l.correlation_id',
      'l.status',
      'l.error_code',
      'l.platform_id',
      'p.name as platform_name',
      'l.issuer',
      'l.client_id',
      'l.created_at',
      (eb) =>
        eb
          .selectFrom('launch_timeline as t')
          .select('t.events')
          .whereRef('t.correlation_id', '=', 'l.correlation_id')
          .whereRef('t.workspace_id', '=', 'l.workspace_id')
          .orderBy('t.id')
          .limit(1)
          .as('events'),
    ])
    .where('l.workspace_id', '=', workspaceId)
    // A literal, not a parameter: the partial index's predicate must match in prepared plans too.
    .where('l.message_type', '=', sql.lit(REGISTRATION_MESSAGE_TYPE))
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(Math.max(1, Math.min(200, Math.floor(limit))))
    .execute();
  return rows.map((r) => ({ ...r, events: (r.events as StoredEvent[] | null) ?? [] }));
}
