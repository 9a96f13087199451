// Platform queries the dashboard needs beyond @tether/db's helpers. Every one is scoped to a
// workspace.
import { sql, type Database, type DeploymentPolicy, type Kysely, type Platform } from '@tether/db';

export interface PlatformSummaryRow extends Platform {
  deployment_ids: string[];
  last_launch_at: Date | null;
  launches_7d: number;
}

/** Connected LMSes with their deployments and launch activity: one statement, whatever the count. */
export async function listPlatformSummaries(db: Kysely<Database>, workspaceId: string): Promise<PlatformSummaryRow[]> {
  const rows = await db
    .selectFrom('platforms as p')
    .selectAll('p')
    .select((eb) => [
      sql<string[]>`coalesce((select array_agg(d.deployment_id order by d.created_at, d.deployment_id) from deployments d where d.platform_id = p.id), '{}'::text[])`.as(
        'deployment_ids',
      ),
      eb
        .selectFrom('launches as l')
        .select((e) => e.fn.max('l.completed_at').as('m'))
        .whereRef('l.platform_id', '=', 'p.id')
        .where('l.workspace_id', '=', workspaceId)
        .where('l.status', '=', 'landed')
        .as('last_launch_at'),
      eb
        .selectFrom('launches as l')
        .select(sql<number>`count(*)::int`.as('c'))
        .whereRef('l.platform_id', '=', 'p.id')
        .where('l.workspace_id', '=', workspaceId)
        .where('l.created_at', '>', sql<Date>`now() - interval '7 days'`)
        .as('launches_7d'),
    ])
    .where('p.workspace_id', '=', workspaceId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({ ...r, last_launch_at: r.last_launch_at ?? null, launches_7d: Number(r.launches_7d ?? 0) }));
}

export async function findPlatformWithDeployments(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
): Promise<(Platform & { deployment_ids: string[] }) | undefined> {
  return db
    .selectFrom('platforms as p')
    .selectAll('p')
    .select(
      sql<string[]>`coalesce((select array_agg(d.deployment_id order by d.created_at, d.deployment_id) from deployments d where d.platform_id = p.id), '{}'::text[])`.as(
        'deployment_ids',
      ),
    )
    .where('p.workspace_id', '=', workspaceId)
    .where('p.id', '=', id)
    .executeTakeFirst();
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
): Promise<(Platform & { deployment_ids: string[] }) | undefined> {
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
