// The end of every valid launch — a scenario landing or the deep-linking picker, over the
// cookie or the platform-storage path — in ONE statement: consume the login state (single
// use), refresh or create the learner (user, LTI identity, Member membership), learn the
// deployment, mark the launch landed and append its events (one timeline row), and — for a
// scenario landing — leave the single-use landing code on the consumed state. Every write is
// gated on the state being consumed by this statement, so a replay (on any node) writes nothing.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { compiledOnce } from '../compiled-once.js';
import { isUniqueViolation } from '../errors.js';
import type { Database } from '../schema.js';
import { consumeLoginState, type EventInput, type LaunchDetails, storedEvents } from './launches.js';
import { displayNameOf, type LtiUserInput } from './provisioning.js';

export interface LaunchCompletion {
  correlationId: string;
  /** The launch row's id, chosen by the caller so the learner session can name it before the statement runs. */
  launchId: string;
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
  /**
   * A scenario landing's single-use code (its hash) and what the learner session will hold;
   * stored on the consumed login state with the learner's user id (`user`) and display name (`name`) added.
   */
  landing?: { codeHash: string; session: Record<string, string> };
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

/** The completion's values, flat: the statement below is built once with placeholders for them. */
interface CompletionParams extends Record<string, unknown> {
  workspaceId: string;
  platformId: string;
  issuer: string;
  sub: string;
  state: string;
  landingHash: string | null;
  landingSession: string | null;
  newUserId: string;
  newUserEmail: string;
  displayName: string;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  learnDeployment: string | null;
  launchId: string;
  correlationId: string;
  clientId: string;
  scenarioId: string | null;
  /** …and one `d_<column>` value per launch detail column. */
  events: string;
  /** Where the provisioning event's `created` goes in `events` (jsonb_set path), or null. */
  provisioningPath: string | null;
}

const completionStatement = compiledOnce((db, p: CompletionParams) =>
  db
    .with('existing', (q) => q.selectFrom('lti_identities').select('user_id').where('workspace_id', '=', p.workspaceId).where('issuer', '=', p.issuer).where('sub', '=', p.sub))
    // A failure uses the state up too, so a consumed state here means no other outcome exists.
    .with('consumed', (q) =>
      consumeLoginState(q, p.state, {
        codeHash: p.landingHash,
        session: sql`case when ${p.landingSession}::jsonb is null then null
          else ${p.landingSession}::jsonb || jsonb_build_object('user', coalesce((select user_id from existing), ${p.newUserId}::text), 'name', ${p.displayName}::text) end`,
      }).returning('state'),
    )
    .with('ident', (q) =>
      q
        .selectFrom('existing')
        .select('user_id')
        .where(({ exists, selectFrom }) => exists(selectFrom('consumed').select('state'))),
    )
    // A returning learner's profile is written only when the LMS tells something new: most
    // launches change nothing, and an unchanged row is not rewritten (nor its indexes).
    .with('profile_update', (q) =>
      q
        .updateTable('lti_identities')
        .set({
          name: p.name,
          given_name: p.givenName,
          family_name: p.familyName,
          email: p.email,
          platform_id: sql`${p.platformId}::uuid`,
          status: sql`'active'`,
          updated_at: sql`now()`,
        })
        .where('workspace_id', '=', p.workspaceId)
        .where('issuer', '=', p.issuer)
        .where('sub', '=', p.sub)
        .where(({ exists, selectFrom }) => exists(selectFrom('ident').select('user_id')))
        .where(
          sql<boolean>`(name, given_name, family_name, email, platform_id, status) is distinct from (${p.name}::text, ${p.givenName}::text, ${p.familyName}::text, ${p.email}::text, ${p.platformId}::uuid, 'active')`,
        ),
    )
    // A new learner. The users row is the auth library's; LMS users never sign in with a
    // password, and the LMS email stays on the identity (an LMS must not be able to claim an
    // admin's account by asserting their email), so the user row gets a placeholder address.
    .with('new_user', (q) =>
      q
        .insertInto('users')
        .columns(['id', 'name', 'email', 'email_verified', 'image', 'created_at', 'updated_at'])
        .expression(
          sql`select ${p.newUserId}::text, ${p.displayName}::text, ${p.newUserEmail}::text, false, null, now(), now()
              from consumed where not exists (select 1 from existing)`,
        )
        .returning('id'),
    )
    // No ON CONFLICT: a concurrent first launch makes this fail, which rolls back the whole
    // statement (state included) for the retry above.
    .with('new_ident', (q) =>
      q
        .insertInto('lti_identities')
        .columns(['workspace_id', 'user_id', 'issuer', 'sub', 'name', 'given_name', 'family_name', 'email', 'platform_id'])
        .expression(
          sql`select ${p.workspaceId}::uuid, new_user.id, ${p.issuer}::text, ${p.sub}::text, ${p.name}::text, ${p.givenName}::text, ${p.familyName}::text, ${p.email}::text, ${p.platformId}::uuid
              from new_user`,
        )
        .returning('user_id'),
    )
    .with('new_member', (q) =>
      q
        .insertInto('memberships')
        .columns(['workspace_id', 'user_id', 'role', 'joined_via'])
        .expression(sql`select ${p.workspaceId}::uuid, new_ident.user_id, 'member', 'lti' from new_ident`),
    )
    .with('dep', (q) =>
      q
        .insertInto('deployments')
        .columns(['platform_id', 'deployment_id', 'source'])
        .expression(sql`select ${p.platformId}::uuid, ${p.learnDeployment}::text, 'launch' from consumed where ${p.learnDeployment}::text is not null`)
        .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doNothing()),
    )
    // The launch row is born landed (a login writes none).
    .with('l', (q) =>
      q
        .insertInto('launches')
        .columns(['id', 'correlation_id', 'workspace_id', 'platform_id', 'issuer', 'client_id', ...LAUNCH_DETAIL_COLUMNS, 'scenario_id', 'user_id', 'status', 'completed_at'])
        .expression(
          sql`select ${p.launchId}::uuid, ${p.correlationId}::text, ${p.workspaceId}::uuid, ${p.platformId}::uuid, ${p.issuer}::text, ${p.clientId}::text, ${sql.join(
            LAUNCH_DETAIL_COLUMNS.map((k) => sql`${p[`d_${k}`]}::${sql.raw(k === 'roles' || k === 'ags_scopes' ? 'text[]' : 'text')}`),
          )}, ${p.scenarioId}::uuid, coalesce((select user_id from ident), (select user_id from new_ident)), 'landed', now()
              where exists (select 1 from ident union all select 1 from new_ident)`,
        )
        .returning('id'),
    )
    // The whole timeline so far as ONE row; the provisioning event learns whether the learner is new.
    .with('ev', (q) =>
      q
        .insertInto('launch_timeline')
        .columns(['correlation_id', 'workspace_id', 'events'])
        .expression(
          sql`select ${p.correlationId}::text, ${p.workspaceId}::uuid,
                case when ${p.provisioningPath}::text[] is null then ${p.events}::jsonb
                  else jsonb_set(${p.events}::jsonb, ${p.provisioningPath}::text[], to_jsonb(exists (select 1 from new_ident))) end
              where exists (select 1 from l)`,
        ),
    )
    .selectNoFrom((eb) => [
      eb.selectFrom('existing').select('user_id').as('existing_user'),
      eb.selectFrom('new_ident').select('user_id').as('new_user'),
      eb.selectFrom('l').select('id').as('launch_id'),
    ]),
);

async function completeOnce(db: Kysely<Database>, c: LaunchCompletion): Promise<CompletionResult> {
  const u = c.user;
  const displayName = displayNameOf(u);
  const newUserId = randomUUID();
  const provisioning = c.events.findIndex((e) => e.step === 'provisioning');
  const [row] = await completionStatement(db, {
    workspaceId: u.workspaceId,
    platformId: u.platformId,
    issuer: u.issuer,
    sub: u.sub,
    state: c.state,
    landingHash: c.landing?.codeHash ?? null,
    landingSession: c.landing ? JSON.stringify(c.landing.session) : null,
    newUserId,
    newUserEmail: `${newUserId}@lti.invalid`,
    displayName,
    name: u.name ?? null,
    givenName: u.givenName ?? null,
    familyName: u.familyName ?? null,
    email: u.email ?? null,
    learnDeployment: c.learnDeployment,
    launchId: c.launchId,
    correlationId: c.correlationId,
    clientId: c.clientId,
    scenarioId: c.launch.scenario_id,
    ...Object.fromEntries(LAUNCH_DETAIL_COLUMNS.map((k) => [`d_${k}`, c.launch[k]])),
    events: JSON.stringify(storedEvents(c.events)),
    provisioningPath: provisioning < 0 ? null : `{${provisioning},details,created}`,
  });
  const userId = row?.existing_user ?? row?.new_user;
  if (!row?.launch_id || !userId) return { ok: false, reason: 'replayed' };
  return { ok: true, launchId: row.launch_id, userId, created: row.new_user !== null, displayName };
}
