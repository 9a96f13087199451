// The end of every valid launch — a scenario landing or the deep-linking picker, over the
// cookie or the platform-storage path — in ONE statement: consume the login state (single
// use), refresh or create the learner (user, LTI identity, Member membership), learn the
// deployment, mark the launch landed and append its events. Every write is gated on the
// state being consumed by this statement, so a replay (on any node) writes nothing.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { isUniqueViolation } from '../errors.js';
import type { Database } from '../schema.js';
import { consumeLoginState, type EventInput, eventValues, type LaunchDetails } from './launches.js';
import { displayNameOf, type LtiUserInput } from './provisioning.js';

export interface LaunchCompletion {
  correlationId: string;
  /** The login state this launch proves; consumed here, whatever path led here. */
  state: string;
  /** The registration's client ID, for the launch row. */
  clientId: string;
  user: LtiUserInput;
  /** A deployment learned on this launch (policy `learn`), stored with it. */
  learnDeployment: string | null;
  launch: LaunchDetails & { scenario_id: string | null };
  /** Events of this request; a `provisioning` event gets `created` filled in by the statement. */
  events: EventInput[];
}

export type CompletionResult = { ok: true; launchId: string; userId: string; created: boolean; displayName: string } | { ok: false; reason: 'replayed' };

const LAUNCH_DETAIL_COLUMNS = [
  'deployment_id',
  'message_type',
  'lti_sub',
  'context_id',
  'context_title',
  'resource_link_id',
  'resource_link_title',
  'roles',
  'ags_lineitem_url',
  'ags_lineitems_url',
  'ags_scopes',
  'nrps_memberships_url',
] as const satisfies readonly (keyof LaunchDetails)[];

/** One launch detail as a typed SQL value (arrays as text[]). */
const detailValue = (d: LaunchDetails, k: (typeof LAUNCH_DETAIL_COLUMNS)[number]) => (k === 'roles' || k === 'ags_scopes' ? sql`${d[k]}::text[]` : sql`${d[k]}`);

export async function completeLaunchRecord(db: Kysely<Database>, c: LaunchCompletion): Promise<CompletionResult> {
  try {
    return await completeOnce(db, c);
  } catch (e) {
    // Two first launches of one learner at once: the loser's statement is rolled back whole
    // by the unique identity; run again, it finds the winner's identity.
    if (isUniqueViolation(e, 'lti_identities_workspace_issuer_sub')) return completeOnce(db, c);
    throw e;
  }
}

async function completeOnce(db: Kysely<Database>, c: LaunchCompletion): Promise<CompletionResult> {
  const u = c.user;
  const displayName = displayNameOf(u);
  const newUserId = randomUUID();
  const profile = { name: u.name ?? null, given_name: u.givenName ?? null, family_name: u.familyName ?? null, email: u.email ?? null, platform_id: u.platformId };
  const row = await db
    .with('existing', (q) => q.selectFrom('lti_identities').select('user_id').where('workspace_id', '=', u.workspaceId).where('issuer', '=', u.issuer).where('sub', '=', u.sub))
    // A failure uses the state up too, so a consumed state here means no other outcome exists.
    .with('consumed', (q) => consumeLoginState(q, c.state).returning('state'))
    .with('ident', (q) =>
      q
        .updateTable('lti_identities')
        .set({ ...profile, status: 'active', updated_at: sql`now()` })
        .where('workspace_id', '=', u.workspaceId)
        .where('issuer', '=', u.issuer)
        .where('sub', '=', u.sub)
        .where(({ exists, selectFrom }) => exists(selectFrom('consumed').select('state')))
        .returning('user_id'),
    )
    // A new learner. The users row is the auth library's; LMS users never sign in with a
    // password, and the LMS email stays on the identity (an LMS must not be able to claim an
    // admin's account by asserting their email), so the user row gets a placeholder address.
    .with('new_user', (q) =>
      q
        .insertInto('users')
        .columns(['id', 'name', 'email', 'email_verified', 'image', 'created_at', 'updated_at'])
        .expression((eb) =>
          eb
            .selectFrom('consumed')
            .select([
              sql<string>`${newUserId}`.as('id'),
              sql<string>`${displayName}`.as('name'),
              sql<string>`${`${newUserId}@lti.invalid`}`.as('email'),
              sql<boolean>`false`.as('email_verified'),
              sql<null>`null`.as('image'),
              sql<Date>`now()`.as('created_at'),
              sql<Date>`now()`.as('updated_at'),
            ])
            .where(({ not, exists, selectFrom }) => not(exists(selectFrom('existing').select('user_id')))),
        )
        .returning('id'),
    )
    // No ON CONFLICT: a concurrent first launch makes this fail, which rolls back the whole
    // statement (state included) for the retry above.
    .with('new_ident', (q) =>
      q
        .insertInto('lti_identities')
        .columns(['workspace_id', 'user_id', 'issuer', 'sub', 'name', 'given_name', 'family_name', 'email', 'platform_id'])
        .expression((eb) =>
          eb
            .selectFrom('new_user')
            .select([
              sql<string>`${u.workspaceId}::uuid`.as('workspace_id'),
              'new_user.id as user_id',
              sql<string>`${u.issuer}`.as('issuer'),
              sql<string>`${u.sub}`.as('sub'),
              sql<string | null>`${profile.name}`.as('name'),
              sql<string | null>`${profile.given_name}`.as('given_name'),
              sql<string | null>`${profile.family_name}`.as('family_name'),
              sql<string | null>`${profile.email}`.as('email'),
              sql<string>`${u.platformId}::uuid`.as('platform_id'),
            ]),
        )
        .returning('user_id'),
    )
    .with('new_member', (q) =>
      q
        .insertInto('memberships')
        .columns(['workspace_id', 'user_id', 'role', 'joined_via'])
        .expression((eb) =>
          eb
            .selectFrom('new_ident')
            .select([sql<string>`${u.workspaceId}::uuid`.as('workspace_id'), 'new_ident.user_id', sql<'member'>`'member'`.as('role'), sql<'lti'>`'lti'`.as('joined_via')]),
        ),
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
    // The launch row is born landed (a login writes none).
    .with('l', (q) =>
      q
        .insertInto('launches')
        .columns(['correlation_id', 'workspace_id', 'platform_id', 'issuer', 'client_id', ...LAUNCH_DETAIL_COLUMNS, 'scenario_id', 'user_id', 'status', 'completed_at'])
        .expression(
          sql`select ${c.correlationId}, ${u.workspaceId}::uuid, ${u.platformId}::uuid, ${u.issuer}, ${c.clientId}, ${sql.join(
            LAUNCH_DETAIL_COLUMNS.map((k) => detailValue(c.launch, k)),
          )}, ${c.launch.scenario_id}::uuid, coalesce((select user_id from ident), (select user_id from new_ident)), 'landed', now()
              where exists (select 1 from ident union all select 1 from new_ident)`,
        )
        .returning('id'),
    )
    .with('ev', (q) =>
      q
        .insertInto('launch_events')
        .columns(['correlation_id', 'workspace_id', 'step', 'outcome', 'error_code', 'duration_ms', 'details', 'created_at'])
        .expression(
          sql`select v.correlation_id, v.workspace_id, v.step, v.outcome, v.error_code, v.duration_ms,
                case when v.step = 'provisioning' then v.details || jsonb_build_object('created', exists (select 1 from new_ident)) else v.details end,
                v.created_at
              from ${eventValues(c.correlationId, u.workspaceId, c.events)}
              where exists (select 1 from l)`,
        ),
    )
    .selectNoFrom((eb) => [
      eb.selectFrom('existing').select('user_id').as('existing_user'),
      eb.selectFrom('new_ident').select('user_id').as('new_user'),
      eb.selectFrom('l').select('id').as('launch_id'),
    ])
    .executeTakeFirstOrThrow();

  const userId = row.existing_user ?? row.new_user;
  if (!row.launch_id || !userId) return { ok: false, reason: 'replayed' };
  return { ok: true, launchId: row.launch_id, userId, created: row.new_user !== null, displayName };
}
