import type { Kysely } from 'kysely';
import type { Database, Deployment, DeploymentSource, NewPlatform, Platform } from '../schema.js';

export interface PlatformWithDeployments extends Platform {
  deployment_ids: string[];
}

/** Insert a platform and its deployments in one transaction. */
export async function createPlatform(
  db: Kysely<Database>,
  input: NewPlatform,
  deploymentIds: string[],
  source: DeploymentSource,
): Promise<PlatformWithDeployments> {
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

export async function listPlatforms(db: Kysely<Database>, workspaceId?: string): Promise<PlatformWithDeployments[]> {
  let q = db.selectFrom('platforms').selectAll().orderBy('created_at');
  if (workspaceId) q = q.where('workspace_id', '=', workspaceId);
  const platforms = await q.execute();
  if (platforms.length === 0) return [];
  const deployments = await db
    .selectFrom('deployments')
    .select(['platform_id', 'deployment_id'])
    .where(
      'platform_id',
      'in',
      platforms.map((p) => p.id),
    )
    .orderBy('created_at')
    .execute();
  return platforms.map((p) => ({
    ...p,
    deployment_ids: deployments.filter((d) => d.platform_id === p.id).map((d) => d.deployment_id),
  }));
}

export async function findPlatformById(db: Kysely<Database>, workspaceId: string, id: string): Promise<Platform | undefined> {
  return db.selectFrom('platforms').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** All registrations of one issuer (several when an LMS like Canvas cloud shares its issuer). */
export async function findPlatformsByIssuer(db: Kysely<Database>, issuer: string, clientId?: string): Promise<Platform[]> {
  let q = db.selectFrom('platforms').selectAll().where('issuer', '=', issuer);
  if (clientId !== undefined) q = q.where('client_id', '=', clientId);
  return q.limit(10).execute();
}

/** Removes a platform and its deployments; launches keep their copies of issuer/client_id. */
export async function removePlatform(db: Kysely<Database>, workspaceId: string, id: string): Promise<Platform | undefined> {
  return db.deleteFrom('platforms').where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function listDeployments(db: Kysely<Database>, platformId: string): Promise<Deployment[]> {
  return db.selectFrom('deployments').selectAll().where('platform_id', '=', platformId).orderBy('created_at').execute();
}
