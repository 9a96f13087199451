// Platform (LMS registration) storage: the one home for platform SQL. Dashboard queries take a
// workspaceId; the runtime's login and launch lookups do not (a launch learns its workspace from
// the platform it resolves to).
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Deployment, DeploymentPolicy, DeploymentSource, NewPlatform, Platform } from '../schema.js';
import { isLaunch } from './launch-views.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface PlatformWithDeployments extends Platform {
  deployment_ids: string[];
}

/** A platform row's deployment IDs, oldest first, as one column (`p` is the platforms alias). */
const deploymentIdsOfP = sql<
  string[]
>`coalesce((select array_agg(d.deployment_id order by d.created_at, d.deployment_id) from deployments d where d.platform_id = p.id), '{}'::text[])`;

/** Insert a platform and its deployments in one transaction. */
export async function createPlatform(db: Kysely<Database>, input: NewPlatform, deploymentIds: string[], source: DeploymentSource): Promise<PlatformWithDeployments> {
  return db.transaction().execute(async (trx) => {
    const platform = await trx.insertInto('platforms').values(input).returningAll().executeTakeFirstOrThrow();
    const unique = [...new Set(deploymentIds)];
    if (unique.length > 0) {
      await trx
        .insertInto('deployments')
        .values(unique.map((deployment_id) => ({ platform_id: platform.id, deployment_id, source })))
        .execute();
    }
    return { ...platform, deployment_ids: unique };
  });
}

/** Platforms with their deployments, oldest first; of one workspace when given (the CLI lists all). */
export async function listPlatforms(db: Db, workspaceId?: string): Promise<PlatformWithDeployments[]> {
  let q = db.selectFrom('platforms as p').selectAll('p').select(deploymentIdsOfP.as('deployment_ids')).orderBy('p.created_at').orderBy('p.id');
  if (workspaceId) q = q.where('p.workspace_id', '=', workspaceId);
  return q.execute();
}

export async function findPlatformById(db: Db, workspaceId: string, id: string): Promise<Platform | undefined> {
  return db.selectFrom('platforms').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export async function findPlatformWithDeployments(db: Db, workspaceId: string, id: string): Promise<PlatformWithDeployments | undefined> {
  return db
    .selectFrom('platforms as p')
    .selectAll('p')
    .select(deploymentIdsOfP.as('deployment_ids'))
    .where('p.workspace_id', '=', workspaceId)
    .where('p.id', '=', id)
    .executeTakeFirst();
}

/**
 * A platform by ID in any workspace: for the runtime, which resolves the workspace from the
 * platform (a launch's state or a job names the platform). Dashboard code uses
 * `findPlatformById`, which is scoped.
 */
export async function findPlatformAcrossWorkspaces(db: Db, id: string): Promise<Platform | undefined> {
  return db.selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst();
}

/** All registrations of one issuer (several when an LMS like Canvas cloud shares its issuer). */
export async function findPlatformsByIssuer(db: Db, issuer: string, clientId?: string): Promise<Platform[]> {
  let q = db.selectFrom('platforms').selectAll().where('issuer', '=', issuer);
  if (clientId !== undefined) q = q.where('client_id', '=', clientId);
  return q.limit(10).execute();
}

export async function workspaceHasPlatform(db: Db, workspaceId: string): Promise<boolean> {
  const row = await db.selectFrom('platforms').select('id').where('workspace_id', '=', workspaceId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Removes a platform and its deployments; launches keep their copies of issuer/client_id. */
export async function removePlatform(db: Db, workspaceId: string, id: string): Promise<Platform | undefined> {
  return db.deleteFrom('platforms').where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function listDeployments(db: Db, platformId: string): Promise<Deployment[]> {
  return db.selectFrom('deployments').selectAll().where('platform_id', '=', platformId).orderBy('created_at').execute();
}

// ------------------------------------------------------------------------------------------
// The dashboard's list and edit

export interface PlatformSummaryRow extends PlatformWithDeployments {
  last_launch_at: Date | null;
  launches_7d: number;
}

/** Connected LMSes with their deployments and launch activity: one statement, whatever the count. */
export async function listPlatformSummaries(db: Db, workspaceId: string): Promise<PlatformSummaryRow[]> {
  const rows = await db
    .selectFrom('platforms as p')
    .selectAll('p')
    .select((eb) => [
      deploymentIdsOfP.as('deployment_ids'),
      // The newest landed launch and a 7-day count, index-backed per platform
      // (launches_platform_created); registrations are no launches.
      eb
        .selectFrom('launches as l')
        .select('l.completed_at')
        .whereRef('l.platform_id', '=', 'p.id')
        .where('l.workspace_id', '=', workspaceId)
        .where('l.status', '=', 'landed')
        .where(isLaunch)
        .orderBy('l.created_at', 'desc')
        .limit(1)
        .as('last_launch_at'),
      eb
        .selectFrom('launches as l')
        .select(sql<number>`count(*)::int`.as('c'))
        .whereRef('l.platform_id', '=', 'p.id')
        .where('l.workspace_id', '=', workspaceId)
        .where('l.created_at', '>', sql<Date>`now() - interval '7 days'`)
        .where(isLaunch)
        .as('launches_7d'),
    ])
    .where('p.workspace_id', '=', workspaceId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ ...r, last_launch_at: r.last_launch_at ?? null, launches_7d: Number(r.launches_7d ?? 0) }));
}

export interface PlatformChanges {
  name?: string;
  issuer?: string;
  client_id?: string;
  auth_login_url?: string;
  token_url?: string;
  jwks_url?: string;
  token_audience?: string | null;
  deployment_policy?: DeploymentPolicy;
}

/**
 * Applies the changes and ALWAYS bumps updated_at (the runtime drops its cached JWKS for a
 * platform whose updated_at changed, so a plain re-save refreshes keys). When
 * `deploymentIds` is given it replaces the list: missing ones are deleted, new ones added
 * as 'manual', kept ones keep their original source. Undefined when not in this workspace.
 */
export async function updatePlatform(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  changes: PlatformChanges,
  deploymentIds?: string[],
): Promise<PlatformWithDeployments | undefined> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('platforms')
      .set({ ...changes, updated_at: sql<Date>`greatest(now(), updated_at + interval '1 microsecond')` })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returning('id')
      .executeTakeFirst();
    if (!updated) return undefined;
    if (deploymentIds) {
      const unique = [...new Set(deploymentIds)];
      let del = trx.deleteFrom('deployments').where('platform_id', '=', id);
      if (unique.length > 0) del = del.where('deployment_id', 'not in', unique);
      await del.execute();
      if (unique.length > 0) {
        await trx
          .insertInto('deployments')
          .values(unique.map((deployment_id) => ({ platform_id: id, deployment_id, source: 'manual' as const })))
          .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing())
          .execute();
      }
    }
    return findPlatformWithDeployments(trx, workspaceId, id);
  });
}
