// The end of a valid launch, in as few round trips as possible: consume the login state
// (single use, atomic), provision the learner, store the launch and its events.
// A returning learner costs ONE statement (data-modifying CTEs gated on the consumption);
// a new learner, or a launch whose state was consumed earlier (cookie-less path), one
// transaction.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { eventRows, type EventInput } from './launches.js';
import { displayNameOf, provisionLtiMember, type LtiUserInput } from './provisioning.js';

export interface LaunchCompletion {
  correlationId: string;
  /** The login state to consume now; null when it was consumed earlier (platform storage). */
  state: string | null;
  user: LtiUserInput;
  learnDeployment: string | null;
  launch: {
    deployment_id: string;
    message_type: string;
    lti_sub: string;
    context_id: string | null;
    context_title: string | null;
    resource_link_id: string | null;
    resource_link_title: string | null;
    scenario_id: string;
    roles: string[];
    ags_lineitem_url: string | null;
    ags_lineitems_url: string | null;
    ags_scopes: string[];
    nrps_memberships_url: string | null;
  };
  /** Events of this request so far; `provisionedEvents` adds the last ones once the outcome is known (it may be called more than once). */
  events: EventInput[];
}

export type CompletionResult =
  | { ok: true; launchId: string; userId: string; created: boolean; displayName: string }
  | { ok: false; reason: 'replayed' };

export async function completeLaunchRecord(
  db: Kysely<Database>,
  c: LaunchCompletion,
  onProvisioned: (p: { created: boolean }) => EventInput[],
): Promise<CompletionResult> {
  if (c.state) {
    const fast = await completeReturning(db, c, c.state, onProvisioned);
    if (fast) return fast;
  }
  return completeInTransaction(db, c, onProvisioned);
}

async function completeReturning(
  db: Kysely<Database>,
  c: LaunchCompletion,
  state: string,
  onProvisioned: (p: { created: boolean }) => EventInput[],
): Promise<CompletionResult | undefined> {
  const u = c.user;
  const identity = db
    .selectFrom('lti_identities')
    .select('user_id')
    .where('workspace_id', '=', u.workspaceId)
    .where('issuer', '=', u.issuer)
    .where('sub', '=', u.sub);
  // This path only serves returning learners, so the provisioning outcome is known up front.
  const events = eventRows(c.correlationId, u.workspaceId, [...c.events, ...onProvisioned({ created: false })]);
  const row = await db
    .with('existing', () => identity)
    .with('consumed', (q) =>
      q
        .updateTable('login_states')
        .set({ consumed_at: sql`now()` })
        .where('state', '=', state)
        .where('consumed_at', 'is', null)
        .where(({ exists, selectFrom }) => exists(selectFrom('existing').select('user_id')))
        .returning('state'),
    )
    .with('ident', (q) =>
      q
        .updateTable('lti_identities')
        .set({ name: u.name ?? null, given_name: u.givenName ?? null, family_name: u.familyName ?? null, email: u.email ?? null, platform_id: u.platformId, status: 'active', updated_at: sql`now()` })
        .where('workspace_id', '=', u.workspaceId)
        .where('issuer', '=', u.issuer)
        .where('sub', '=', u.sub)
        .where(({ exists, selectFrom }) => exists(selectFrom('consumed').select('state')))
        .returning('user_id'),
    )
    .with('dep', (q) =>
      q
        .insertInto('deployments')
        .columns(['platform_id', 'deployment_id', 'source'])
        .expression((eb) =>
          eb
            .selectFrom('consumed')
            .select([sql<string>`${u.platformId}::uuid`.as('platform_id'), sql<string>`${c.learnDeployment ?? ''}`.as('deployment_id'), sql<'launch'>`'launch'`.as('source')])
            .where(sql<boolean>`${c.learnDeployment !== null}`),
        )
        .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing()),
    )
    .with('l', (q) =>
      q
        .updateTable('launches')
        .set((eb) => ({ ...c.launch, user_id: eb.selectFrom('ident').select('user_id'), status: 'landed', completed_at: sql`now()` }))
        .where('correlation_id', '=', c.correlationId)
        .where('status', '=', 'started')
        .where(({ exists, selectFrom }) => exists(selectFrom('ident').select('user_id')))
        .returning('id'),
    )
    .with('ev', (q) =>
      q
        .insertInto('launch_events')
        .columns(['correlation_id', 'workspace_id', 'step', 'outcome', 'error_code', 'duration_ms', 'details', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom(
              eb.parens(
                sql`(values ${sql.join(
                  events.map(
                    (e) =>
                      sql`(${e.correlation_id}, ${e.workspace_id}::uuid, ${e.step}, ${e.outcome}, ${e.error_code}, ${e.duration_ms}::real, ${e.details}::jsonb, ${e.created_at ?? new Date()}::timestamptz)`,
                  ),
                )})`,
              ).as(sql`v(correlation_id, workspace_id, step, outcome, error_code, duration_ms, details, created_at)` as never),
            )
            .selectAll()
            .where(({ exists, selectFrom }) => exists(selectFrom('l').select('id'))) as never,
        ),
    )
    .selectNoFrom((eb) => [
      eb.selectFrom('existing').select('user_id').as('existing_user'),
      eb.selectFrom('consumed').select('state').as('consumed'),
      eb.selectFrom('l').select('id').as('launch_id'),
    ])
    .executeTakeFirstOrThrow();

  if (!row.existing_user) return undefined; // a new learner: the transaction path
  if (!row.consumed || !row.launch_id) return { ok: false, reason: 'replayed' };
  return { ok: true, launchId: row.launch_id, userId: row.existing_user, created: false, displayName: displayNameOf(u) };
}

async function completeInTransaction(
  db: Kysely<Database>,
  c: LaunchCompletion,
  onProvisioned: (p: { created: boolean }) => EventInput[],
): Promise<CompletionResult> {
  return db.transaction().execute(async (trx) => {
    if (c.state) {
      const consumed = await trx
        .updateTable('login_states')
        .set({ consumed_at: sql`now()` })
        .where('state', '=', c.state)
        .where('consumed_at', 'is', null)
        .returning('state')
        .executeTakeFirst();
      if (!consumed) return { ok: false as const, reason: 'replayed' as const };
    }
    if (c.learnDeployment) {
      await trx
        .insertInto('deployments')
        .values({ platform_id: c.user.platformId, deployment_id: c.learnDeployment, source: 'launch' })
        .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing())
        .execute();
    }
    const member = await provisionLtiMember(trx, c.user);
    const launch = await trx
      .updateTable('launches')
      .set({ ...c.launch, user_id: member.userId, status: 'landed', completed_at: sql`now()` })
      .where('correlation_id', '=', c.correlationId)
      .where('status', '=', 'started')
      .returning('id')
      .executeTakeFirst();
    if (!launch) {
      // Already landed or failed (a replayed continuation): undo the provisioning too.
      throw new ReplayedLaunch();
    }
    const events = [...c.events, ...onProvisioned({ created: member.created })];
    await trx.insertInto('launch_events').values(eventRows(c.correlationId, c.user.workspaceId, events)).execute();
    return { ok: true as const, launchId: launch.id, userId: member.userId, created: member.created, displayName: member.displayName };
  }).catch((e) => {
    if (e instanceof ReplayedLaunch) return { ok: false as const, reason: 'replayed' as const };
    throw e;
  });
}

class ReplayedLaunch extends Error {}
