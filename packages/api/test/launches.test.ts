import { randomUUID } from 'node:crypto';
import { appendEvents } from '@tether/db';
import { explain } from '@tether/errors';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, insertLaunch, insertUser, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;
let platformId: string;
let otherPlatformId: string;
let scenarioId: string;
let learnerId: string;
const ISSUER = 'https://canvas-launch.example.com';
const T = (iso: string) => new Date(iso);

const events = (
  correlationId: string,
  workspaceId: string | null,
  list: Array<{ step: string; outcome: 'ok' | 'error' | 'info'; code?: string; ms?: number; details?: object; at: Date }>,
) =>
  appendEvents(
    env.db,
    correlationId,
    workspaceId,
    list.map((e) => ({ step: e.step, outcome: e.outcome, error_code: e.code ?? null, duration_ms: e.ms ?? null, details: { ...(e.details ?? {}) }, at: e.at })),
  );

beforeAll(async () => {
  env = await setupEnv();
  W = await createTestWorkspace(env, 'acme');
  admin = await callerFor(env, W.adminId);
  platformId = (await admin.platforms.createManual(validPlatform('launch'))).id;
  otherPlatformId = (await admin.platforms.createManual(validPlatform('other'))).id;
  scenarioId = (await admin.scenarios.create({ slug: 'fire-drill', title: 'Fire drill' })).id;
  // An LTI-provisioned learner: the users row has the name from the first launch, the identity the current one.
  learnerId = await insertUser(env.db, 'Old Name');
  await env.db
    .insertInto('lti_identities')
    .values({ workspace_id: W.id, user_id: learnerId, issuer: ISSUER, sub: 'sub-ada', platform_id: platformId, given_name: 'Ada', family_name: 'Lovelace' })
    .execute();
  await env.db.insertInto('memberships').values({ workspace_id: W.id, user_id: learnerId, role: 'member', joined_via: 'lti' }).execute();

  await insertLaunch(env.db, {
    workspaceId: W.id,
    correlationId: 'corr-landed',
    status: 'landed',
    platformId,
    scenarioId,
    userId: learnerId,
    issuer: ISSUER,
    clientId: 'client-launch',
    ltiSub: 'sub-ada',
    roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
    contextId: 'ctx-1',
    contextTitle: 'Safety 101',
    resourceLinkId: 'rl-1',
    resourceLinkTitle: 'Fire drill activity',
    createdAt: T('2026-03-01T10:00:00.000Z'),
    completedAt: T('2026-03-01T10:00:01.250Z'),
  });
  await events('corr-landed', W.id, [
    { step: 'login', outcome: 'ok', ms: 4.5, details: { iss: ISSUER }, at: T('2026-03-01T10:00:00.000Z') },
    { step: 'launch.verify', outcome: 'ok', ms: 12, at: T('2026-03-01T10:00:01.000Z') },
    { step: 'provision', outcome: 'info', details: { created: false }, at: T('2026-03-01T10:00:01.100Z') },
    { step: 'land', outcome: 'ok', at: T('2026-03-01T10:00:01.250Z') },
  ]);

  await insertLaunch(env.db, {
    workspaceId: W.id,
    correlationId: 'corr-cookie',
    status: 'failed',
    errorCode: 'state_missing',
    platformId,
    issuer: ISSUER,
    clientId: 'client-launch',
    createdAt: T('2026-03-02T09:00:00.000Z'),
  });
  await events('corr-cookie', W.id, [
    { step: 'login', outcome: 'ok', at: T('2026-03-02T09:00:00.000Z') },
    { step: 'launch.state', outcome: 'error', code: 'state_missing', details: { cookie: 'absent' }, at: T('2026-03-02T09:00:02.000Z') },
  ]);

  await insertLaunch(env.db, {
    workspaceId: W.id,
    correlationId: 'corr-odd',
    status: 'failed',
    errorCode: 'made_up_code',
    platformId: otherPlatformId,
    createdAt: T('2026-03-03T09:00:00.000Z'),
  });
  await events('corr-odd', W.id, [{ step: 'launch', outcome: 'error', code: 'made_up_code', at: T('2026-03-03T09:00:00.000Z') }]);

  await insertLaunch(env.db, { workspaceId: W.id, correlationId: 'corr-started', status: 'started', platformId, createdAt: T('2026-03-04T09:00:00.000Z') });

  // A login from an LMS nobody connected: no workspace.
  await insertLaunch(env.db, {
    workspaceId: null,
    correlationId: 'corr-unknown',
    status: 'failed',
    errorCode: 'unknown_platform',
    issuer: 'https://stranger.example.com',
    createdAt: T('2026-03-05T09:00:00.000Z'),
  });
  await events('corr-unknown', null, [{ step: 'login', outcome: 'error', code: 'unknown_platform', at: T('2026-03-05T09:00:00.000Z') }]);
});
afterAll(async () => env?.close());

describe('launches.byCorrelationId', () => {
  it('a landed launch: names, roles, context, resource link, timeline in order', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: ' corr-landed ' });
    expect(r.launch).toMatchObject({
      correlationId: 'corr-landed',
      status: 'landed',
      errorCode: null,
      explanation: null,
      platform: { id: platformId, name: 'Canvas launch' },
      issuer: ISSUER,
      clientId: 'client-launch',
      scenario: { id: scenarioId, slug: 'fire-drill', title: 'Fire drill' },
      user: { id: learnerId, name: 'Ada Lovelace', ltiSub: 'sub-ada' },
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      context: { id: 'ctx-1', title: 'Safety 101' },
      resourceLink: { id: 'rl-1', title: 'Fire drill activity' },
      createdAt: '2026-03-01T10:00:00.000Z',
      completedAt: '2026-03-01T10:00:01.250Z',
    });
    expect(r.events.map((e) => [e.step, e.outcome, e.durationMs])).toEqual([
      ['login', 'ok', 4.5],
      ['launch.verify', 'ok', 12],
      ['provision', 'info', null],
      ['land', 'ok', null],
    ]);
    expect(r.events[0]).toMatchObject({ details: { iss: ISSUER }, at: '2026-03-01T10:00:00.000Z', explanation: null, errorCode: null });
    expect(typeof r.events[0]!.id).toBe('string');
  });

  it('a failed launch: each error event carries the catalogue’s learner/admin/fix words', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: 'corr-cookie' });
    const { learner, admin: adminText, fix } = explain('state_missing')!;
    expect(r.launch).toMatchObject({ status: 'failed', errorCode: 'state_missing', explanation: { learner, admin: adminText, fix }, user: null, scenario: null });
    const [login, state] = r.events;
    expect(login!.explanation).toBeNull();
    expect(state).toMatchObject({
      step: 'launch.state',
      outcome: 'error',
      errorCode: 'state_missing',
      details: { cookie: 'absent' },
      explanation: { learner, admin: adminText, fix },
    });
  });

  it('an error code the catalogue does not know still gets a plain explanation', async () => {
    const r = await admin.launches.byCorrelationId({ correlationId: 'corr-odd' });
    expect(r.events[0]!.explanation).toMatchObject({
      admin: expect.stringContaining('"made_up_code"'),
      learner: explain('internal_error')!.learner,
      fix: expect.stringMatching(/Update this process/),
      known: false,
    });
  });

  it('launches without a workspace are visible to nobody, and the message says why', async () => {
    const err = await trpcError(admin.launches.byCorrelationId({ correlationId: 'corr-unknown' }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('launch corr-unknown not found in this workspace (launches from an unconnected LMS have no workspace)');
    expect((await trpcError(admin.launches.byCorrelationId({ correlationId: 'nope' }))).code).toBe('NOT_FOUND');
  });

  it('a login the platform never answered is found by its correlation ID, as started, with the login’s own events; not from another workspace', async () => {
    const events = [
      { step: 'login_received', outcome: 'ok', error_code: null, duration_ms: 0.4, details: { method: 'GET' }, at: '2026-11-29T10:00:00.000Z' },
      { step: 'auth_redirect', outcome: 'ok', error_code: null, duration_ms: 0.2, details: {}, at: '2026-11-29T10:00:00.001Z' },
    ];
    await env.db
      .insertInto('login_states')
      .values({
        state: `s-${randomUUID()}`,
        nonce: `n-${randomUUID()}`,
        correlation_id: 'corr-unanswered',
        workspace_id: W.id,
        platform_id: platformId,
        issuer: 'https://lms.example.com',
        client_id: 'client-a',
        deployment_id_hint: null,
        target_link_uri: 'https://tool.example/lti/launch',
        storage: 'cookie',
        expires_at: new Date(Date.now() + 600_000),
        login_events: JSON.stringify(events),
      })
      .execute();
    const r = await admin.launches.byCorrelationId({ correlationId: 'corr-unanswered' });
    expect(r.launch).toMatchObject({ id: null, correlationId: 'corr-unanswered', status: 'started', platform: { id: platformId } });
    expect(r.events.map((e) => e.step)).toEqual(['login_received', 'auth_redirect']);
    const other = await createTestWorkspace(env, 'unanswered-other');
    const otherAdmin = await callerFor(env, other.adminId);
    expect((await trpcError(otherAdmin.launches.byCorrelationId({ correlationId: 'corr-unanswered' }))).code).toBe('NOT_FOUND');
  });

  it('an empty correlation ID is a field error', async () => {
    const err = await trpcError(admin.launches.byCorrelationId({ correlationId: '  ' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(fieldErrorsOf(err)).toEqual({ correlationId: 'correlation ID is required' });
  });
});

describe('launches.recent', () => {
  it('lists newest first with platform, scenario, user names and error codes', async () => {
    const r = await admin.launches.recent();
    expect(r.nextCursor).toBeNull();
    expect(r.items.map((i) => i.correlationId)).toEqual(['corr-started', 'corr-odd', 'corr-cookie', 'corr-landed']);
    expect(r.items[3]).toMatchObject({
      status: 'landed',
      platformName: 'Canvas launch',
      scenarioTitle: 'Fire drill',
      userName: 'Ada Lovelace',
      errorCode: null,
      contextTitle: 'Safety 101',
    });
    expect(r.items[1]).toMatchObject({ status: 'failed', errorCode: 'made_up_code', platformName: 'Canvas other' });
  });

  it('filters by outcome, platform, scenario and time range', async () => {
    const ids = async (input: Parameters<Caller['launches']['recent']>[0]) => (await admin.launches.recent(input)).items.map((i) => i.correlationId);
    expect(await ids({ outcome: 'failed' })).toEqual(['corr-odd', 'corr-cookie']);
    expect(await ids({ outcome: 'landed' })).toEqual(['corr-landed']);
    expect(await ids({ outcome: 'started' })).toEqual(['corr-started']);
    expect(await ids({ platformId })).toEqual(['corr-started', 'corr-cookie', 'corr-landed']);
    expect(await ids({ platformId, outcome: 'failed' })).toEqual(['corr-cookie']);
    expect(await ids({ scenarioId })).toEqual(['corr-landed']);
    expect(await ids({ since: '2026-03-02', until: '2026-03-04' })).toEqual(['corr-odd', 'corr-cookie']);
    expect(await ids({ since: '2026-03-02T09:00:00Z' })).toEqual(['corr-started', 'corr-odd', 'corr-cookie']);
    expect(await ids({ until: '2026-03-02T09:00:00.000+00:00' })).toEqual(['corr-landed']);
    expect(await ids({ platformId: randomUUID() })).toEqual([]);
  });

  it('bad filters and limits name the field', async () => {
    for (const [input, field] of [
      [{ limit: 101 }, 'limit'],
      [{ limit: 0 }, 'limit'],
      [{ since: 'yesterday' }, 'since'],
      [{ until: '2026-03-02T09:00:00' }, 'until'],
      [{ outcome: 'crashed' }, 'outcome'],
      [{ platformId: 'x' }, 'platformId'],
    ] as const) {
      const err = await trpcError(admin.launches.recent(input as never));
      expect(err.code).toBe('BAD_REQUEST');
      expect(Object.keys(fieldErrorsOf(err) ?? {})).toEqual([field]);
    }
  });

  it('a forged or damaged cursor is a BAD_REQUEST on cursor, not a server error', async () => {
    for (const cursor of ['garbage', Buffer.from(JSON.stringify(['2026-01-01', 'x'])).toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      const err = await trpcError(admin.launches.recent({ cursor }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(fieldErrorsOf(err)).toEqual({ cursor: 'is not a cursor returned by this list' });
    }
  });

  describe('keyset pagination', () => {
    let P: TestWorkspace;
    let paged: Caller;
    let expected: string[];

    beforeAll(async () => {
      P = await createTestWorkspace(env, 'paged');
      paged = await callerFor(env, P.adminId);
      const rows: Array<{ created_at: unknown; status: 'landed' | 'failed' }> = [];
      // 30 launches sharing one timestamp (ties broken by id)…
      for (let i = 0; i < 30; i++) rows.push({ created_at: T('2026-04-01T12:00:00.000Z'), status: i % 3 ? 'landed' : 'failed' });
      // …8 within one millisecond, microseconds apart (a millisecond cursor would skip or repeat them)…
      for (let i = 0; i < 8; i++) rows.push({ created_at: sql`'2026-04-02T08:00:00.000Z'::timestamptz + make_interval(secs => ${i * 7} / 1000000.0)`, status: 'landed' });
      // …and 25 spread over days.
      for (let i = 0; i < 25; i++) rows.push({ created_at: new Date(Date.UTC(2026, 3, 3 + i, 6, i)), status: i % 4 ? 'landed' : 'failed' });
      await env.db
        .insertInto('launches')
        .values(
          rows.map((r, i) => ({
            correlation_id: `page-${i}`,
            workspace_id: P.id,
            status: r.status,
            error_code: r.status === 'failed' ? 'bad_signature' : null,
            created_at: r.created_at as Date,
          })),
        )
        .execute();
      expected = (await env.db.selectFrom('launches').select('correlation_id').where('workspace_id', '=', P.id).orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(
        (r) => r.correlation_id,
      );
      expect(expected).toHaveLength(63);
    });

    const walk = async (limit: number, extra: Record<string, unknown> = {}) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<Caller['launches']['recent']>> = await paged.launches.recent({ limit, cursor, ...extra });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i) => i.correlationId));
        cursor = page.nextCursor;
        if (++pages > 200) throw new Error('runaway pagination');
      } while (cursor);
      return { seen, pages };
    };

    it.each([1, 7, 25, 63, 100])('limit %i walks every row once, in order', async (limit) => {
      const { seen, pages } = await walk(limit);
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
      // One row of look-ahead: never an empty last page.
      expect(pages).toBe(Math.ceil(63 / limit));
    });

    it('pagination composes with filters', async () => {
      const failedExpected = (
        await env.db
          .selectFrom('launches')
          .select('correlation_id')
          .where('workspace_id', '=', P.id)
          .where('status', '=', 'failed')
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .execute()
      ).map((r) => r.correlation_id);
      expect((await walk(4, { outcome: 'failed' })).seen).toEqual(failedExpected);
    });

    it('defaults to 25 per page', async () => {
      const first = await paged.launches.recent({});
      expect(first.items).toHaveLength(25);
      expect(first.nextCursor).toEqual(expect.any(String));
    });
  });
});

describe('launches.stats', () => {
  let S: TestWorkspace;
  let stats: Caller;
  const DAY = 86_400_000;
  const todayStart = () => {
    const n = new Date();
    return Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate());
  };
  const dayStr = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  beforeAll(async () => {
    S = await createTestWorkspace(env, 'stats');
    stats = await callerFor(env, S.adminId);
    const t0 = todayStart();
    const now = new Date();
    const yesterday = new Date(t0 - DAY / 2);
    const tenAgo = new Date(t0 - 10 * DAY + DAY / 2);
    const twentyAgo = new Date(t0 - 20 * DAY + DAY / 2);
    const add = (createdAt: Date, status: 'landed' | 'failed' | 'started', errorCode?: string) =>
      insertLaunch(env.db, { workspaceId: S.id, createdAt, status, errorCode: errorCode ?? null });
    await add(now, 'landed');
    await add(now, 'landed');
    await add(now, 'failed', 'state_missing');
    await add(now, 'started');
    await add(yesterday, 'failed', 'state_missing');
    await add(yesterday, 'failed', 'kid_not_found');
    await add(yesterday, 'landed');
    await add(tenAgo, 'failed', 'bad_signature');
    for (let i = 0; i < 3; i++) await add(twentyAgo, 'failed', 'kid_not_found');
  });

  it('per UTC day, oldest first, today last, zero-filled; totals; top error codes', async () => {
    const r = await stats.launches.stats({ days: 14 });
    const t0 = todayStart();
    expect(r.days).toBe(14);
    expect(r.from).toBe(new Date(t0 - 13 * DAY).toISOString());
    expect(r.series).toHaveLength(14);
    expect(r.series.map((d) => d.date)).toEqual(Array.from({ length: 14 }, (_, i) => dayStr(t0 - (13 - i) * DAY)));
    expect(r.series[13]).toEqual({ date: dayStr(t0), launches: 4, landed: 2, failures: 1 });
    expect(r.series[12]).toEqual({ date: dayStr(t0 - DAY), launches: 3, landed: 1, failures: 2 });
    expect(r.series[3]).toEqual({ date: dayStr(t0 - 10 * DAY), launches: 1, landed: 0, failures: 1 });
    expect(r.series.filter((d) => d.launches === 0)).toHaveLength(11);
    expect(r.totals).toEqual({ launches: 8, landed: 3, failures: 4, started: 1, successRate: 3 / 7 });
    expect(r.topErrors).toEqual([
      { code: 'state_missing', count: 2, admin: explain('state_missing')!.admin },
      { code: 'bad_signature', count: 1, admin: explain('bad_signature')!.admin },
      { code: 'kid_not_found', count: 1, admin: explain('kid_not_found')!.admin },
    ]);
  });

  it('the window follows `days`', async () => {
    const one = await stats.launches.stats({ days: 1 });
    expect(one.series).toEqual([{ date: dayStr(todayStart()), launches: 4, landed: 2, failures: 1 }]);
    const month = await stats.launches.stats({ days: 30 });
    expect(month.totals.launches).toBe(11);
    expect(month.topErrors[0]).toMatchObject({ code: 'kid_not_found', count: 4 });
    expect((await stats.launches.stats()).days).toBe(14);
  });

  it('days outside 1..90 name the field', async () => {
    for (const days of [0, 91, 1.5]) {
      const err = await trpcError(stats.launches.stats({ days }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(Object.keys(fieldErrorsOf(err) ?? {})).toEqual(['days']);
    }
  });

  it('an empty workspace has zero totals and no success rate', async () => {
    const E = await createTestWorkspace(env, 'empty');
    const r = await (await callerFor(env, E.adminId)).launches.stats({ days: 3 });
    expect(r.totals).toEqual({ launches: 0, landed: 0, failures: 0, started: 0, successRate: null });
    expect(r.series.every((d) => d.launches === 0)).toBe(true);
  });
});
