// Grade passback storage: best-of-N when recording, the worker's transitions, the dashboard's
// lists — and that rows and events keep codes, never their explanations.
import { TetherError } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimPassback,
  createPlatform,
  createWorkspace,
  failureCountsByPlatform,
  InvalidCursorError,
  type Launch,
  listPassbacks,
  loadPassbackWork,
  markPassbackFailed,
  markPassbackSent,
  type PassbackQueue,
  passbackRef,
  passbacksForLaunch,
  recordAttempt,
  retryPassback,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
let wsA: string;
let wsB: string;
let platformId: string;
let launch: Launch;
const enqueued: { id: string; inTransaction: boolean }[] = [];
const queue: PassbackQueue = { enqueue: async (id, opts) => void enqueued.push({ id, inTransaction: !!opts?.trx }) };

const LINE_ITEM = 'https://lms.example/lineitems/1';

beforeAll(async () => {
  t = await createTestDatabase();
  wsA = (await createWorkspace(t.db, { slug: 'pb-a', name: 'A' })).id;
  wsB = (await createWorkspace(t.db, { slug: 'pb-b', name: 'B' })).id;
  const p = await createPlatform(
    t.db,
    {
      workspace_id: wsA,
      name: 'LMS',
      issuer: 'https://lms.example',
      client_id: 'c',
      auth_login_url: 'https://lms.example/a',
      token_url: 'https://lms.example/t',
      jwks_url: 'https://lms.example/j',
      registered_via: 'manual',
      deployment_policy: 'strict',
    },
    ['d'],
    'manual',
  );
  platformId = p.id;
  launch = await t.db
    .insertInto('launches')
    .values({
      correlation_id: 'pb-1',
      workspace_id: wsA,
      platform_id: platformId,
      issuer: p.issuer,
      client_id: 'c',
      status: 'landed',
      lti_sub: 'learner-1',
      resource_link_id: 'rl-1',
      ags_lineitem_url: LINE_ITEM,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
});
afterAll(async () => t?.close());

const record = (attemptKey: string, scorePercent: number) => recordAttempt(t.db, { workspaceId: wsA, launch, attemptKey, scorePercent, submittedAt: new Date(), queue });
const events = (step: string) => t.db.selectFrom('launch_events').selectAll().where('correlation_id', '=', 'pb-1').where('step', '=', step).execute();

describe('passback records (best-of-N)', () => {
  it('queues a strictly better score with its job in the same transaction; skips a lower one; a repeated key is a duplicate', async () => {
    const first = await record('att-70', 70);
    expect(first).toMatchObject({ kind: 'created', passback: { status: 'queued', score_percent: 70, target_key: LINE_ITEM } });
    expect(enqueued).toEqual([{ id: first.passback!.id, inTransaction: true }]);

    const lower = await record('att-60', 60);
    expect(lower).toMatchObject({ kind: 'created', passback: { status: 'skipped', skip_code: 'not_better', skip_reason: 'not better than 70 %' } });
    expect(enqueued).toHaveLength(1);

    const again = await record('att-70', 70);
    expect(again).toMatchObject({ kind: 'duplicate', sameInput: true, passback: { id: first.passback!.id } });
  });

  it('a better score supersedes the queued one: claiming the old one skips it, the new one gets the lease', async () => {
    const old = (await listPassbacks(t.db, wsA, { status: 'queued', limit: 10 })).items.find((p) => p.scorePercent === 70)!;
    const better = await record('att-90', 90);
    expect(better.passback).toMatchObject({ status: 'queued' });

    const oldWork = (await loadPassbackWork(t.db, old.id))!;
    expect(await claimPassback(t.db, passbackRef(oldWork), { leaseSec: 30 })).toEqual({ kind: 'superseded', bestPercent: 90 });

    const work = (await loadPassbackWork(t.db, better.passback!.id))!;
    const claimed = await claimPassback(t.db, passbackRef(work), { leaseSec: 30 });
    expect(claimed).toMatchObject({ kind: 'claimed', passback: { tries: 1 } });
    const best = await t.db.selectFrom('grade_best_scores').selectAll().executeTakeFirstOrThrow();
    expect(best).toMatchObject({ best_percent: 90, best_passback_id: work.passback.id, sending_passback_id: work.passback.id });
  });
});

describe('passback delivery', () => {
  it('a permanent failure stores the code and the LMS message, no explanation; the best falls back', async () => {
    const p = (await listPassbacks(t.db, wsA, { status: 'queued', limit: 10 })).items[0]!;
    const work = (await loadPassbackWork(t.db, p.id))!;
    expect(await markPassbackFailed(t.db, passbackRef(work), { code: 'ags_scope_missing', message: 'LMS answered 403', status: 403 })).toBe(true);

    const [failed] = await events('grade_failed');
    expect(failed).toMatchObject({ outcome: 'error', error_code: 'ags_scope_missing' });
    expect(failed!.details).toEqual({ passbackId: p.id, code: 'ags_scope_missing', message: 'LMS answered 403', tries: 1, status: 403 });
    const best = await t.db.selectFrom('grade_best_scores').selectAll().executeTakeFirstOrThrow();
    expect(best).toMatchObject({ best_percent: -1, best_passback_id: null, sending_passback_id: null });
    // Only a queued passback moves: a second outcome for it is ignored.
    expect(await markPassbackSent(t.db, passbackRef(work), { lmsStatus: 200, timestamp: new Date(), lineitemUrl: LINE_ITEM, scoreGiven: 9, scoreMaximum: 10 })).toBe(false);
  });

  it('retry is scoped to the workspace and re-decides best-of-N', async () => {
    const [failed] = (await listPassbacks(t.db, wsA, { status: 'failed', limit: 10 })).items;
    expect(await retryPassback(t.db, queue, wsB, failed!.id)).toEqual({ ok: false, code: 'not_found' });
    const r = await retryPassback(t.db, queue, wsA, failed!.id, { actor: 'user:admin' });
    expect(r).toMatchObject({ ok: true, status: 'queued', passbackId: failed!.id });
    expect(enqueued.at(-1)).toEqual({ id: failed!.id, inTransaction: true });
    expect(await retryPassback(t.db, queue, wsA, failed!.id)).toEqual({ ok: false, code: 'not_failed', status: 'queued' });
  });
});

describe('passback lists', () => {
  it('pages newest first with a cursor, per workspace', async () => {
    const all = await passbacksForLaunch(t.db, launch.id, { workspaceId: wsA });
    expect(all.map((p) => p.scorePercent)).toEqual([70, 60, 90]);
    expect(await passbacksForLaunch(t.db, launch.id, { workspaceId: wsB })).toEqual([]);

    const page1 = await listPassbacks(t.db, wsA, { limit: 2 });
    expect(page1.items.map((p) => p.scorePercent)).toEqual([90, 60]);
    const page2 = await listPassbacks(t.db, wsA, { limit: 2, cursor: page1.nextCursor });
    expect(page2).toMatchObject({ items: [{ scorePercent: 70, attemptId: 'att-70', correlationId: 'pb-1', platformName: 'LMS' }], nextCursor: null });
    expect((await listPassbacks(t.db, wsB, { limit: 10 })).items).toEqual([]);
  });

  it('a cursor it did not hand out is an InvalidCursorError (a TetherError with code invalid_cursor)', async () => {
    const err = await listPassbacks(t.db, wsA, { limit: 2, cursor: 'garbage' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCursorError);
    expect(err).toBeInstanceOf(TetherError);
    expect(err).toMatchObject({ code: 'invalid_cursor', name: 'InvalidCursorError' });
  });

  it('counts by platform', async () => {
    expect(await failureCountsByPlatform(t.db, wsA)).toEqual([{ platformId, platformName: 'LMS', failed: 0, retrying: 0, queued: 1, sent: 0 }]);
    expect(await failureCountsByPlatform(t.db, wsB)).toEqual([]);
  });
});
