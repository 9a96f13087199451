// The compact timeline (issue 12): an existing database keeps every recorded event through the
// migration, and the launch_events view reads old and new rows alike, in order.
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvents, migrateToLatest, sql } from '../src/index.js';
import { migrationProvider } from '../src/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => t?.close());

describe('migration 2026-11-29T06-00_compact_timeline', () => {
  it('moves one-row-per-event history into timeline rows; the view reads it back unchanged, and new writes follow it in order', async () => {
    const migrator = new Migrator({ db: t.db, provider: migrationProvider });
    const before = await migrator.migrateTo('2026-11-29T05-00_login_events');
    expect(before.error).toBeUndefined();
    await sql`
      insert into launch_events (correlation_id, workspace_id, step, outcome, error_code, duration_ms, details, created_at) values
        ('old-1', null, 'login', 'ok', null, 1.5, '{"a": 1}', '2026-11-01T10:00:00Z'),
        ('old-1', null, 'id_token', 'error', 'nonce_replayed', 2.25, '{}', '2026-11-01T10:00:01Z'),
        ('old-2', null, 'login', 'ok', null, null, '{}', '2026-11-01T11:00:00Z')`.execute(t.db);

    await migrateToLatest(t.db);
    const old = await t.db.selectFrom('launch_events').selectAll().where('correlation_id', '=', 'old-1').orderBy('created_at').orderBy('id').execute();
    expect(old.map((e) => [e.step, e.outcome, e.error_code, e.duration_ms, e.details, e.created_at.toISOString()])).toEqual([
      ['login', 'ok', null, 1.5, { a: 1 }, '2026-11-01T10:00:00.000Z'],
      ['id_token', 'error', 'nonce_replayed', 2.25, {}, '2026-11-01T10:00:01.000Z'],
    ]);

    await appendEvents(t.db, 'old-1', null, [
      { step: 'grade_sent', outcome: 'ok', details: { n: 1 } },
      { step: 'grade_failed', outcome: 'error', error_code: 'ags_scope_missing' },
    ]);
    const all = await t.db.selectFrom('launch_events').select(['id', 'step']).where('correlation_id', '=', 'old-1').orderBy('created_at').orderBy('id').execute();
    expect(all.map((e) => e.step)).toEqual(['login', 'id_token', 'grade_sent', 'grade_failed']);
    expect(new Set(all.map((e) => e.id)).size).toBe(4);
    // One stored row per write: the two old events became two rows, the append one more.
    const rows = await t.db.selectFrom('launch_timeline').select('id').where('correlation_id', '=', 'old-1').execute();
    expect(rows).toHaveLength(3);
  });
});
