// Archiving scenarios: admins only, audited, hidden from the default list until unarchived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, callerFor, createTestWorkspace, type Env, setupEnv, type TestWorkspace, trpcError } from './helpers.js';

let env: Env;
let A: TestWorkspace;
let B: TestWorkspace;
let admin: Caller;
let otherAdmin: Caller;
let fireId: string;

beforeAll(async () => {
  env = await setupEnv();
  A = await createTestWorkspace(env, 'arch-a');
  B = await createTestWorkspace(env, 'arch-b');
  admin = await callerFor(env, A.adminId);
  otherAdmin = await callerFor(env, B.adminId);
  fireId = (await admin.scenarios.create({ slug: 'fire-drill', title: 'Fire drill' })).id;
  await admin.scenarios.create({ slug: 'night-shift', title: 'Night shift' });
});
afterAll(async () => env?.close());

const audits = (action: string) => env.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('target_id', '=', fireId).execute();

describe('scenarios.archive / unarchive', () => {
  it('archive hides the scenario from the default list, keeps it with includeArchived, and audits once', async () => {
    const s = await admin.scenarios.archive({ id: fireId });
    expect(s.archivedAt).not.toBeNull();
    expect((await admin.scenarios.list()).map((x) => x.slug)).toEqual(['night-shift']);
    expect((await admin.scenarios.list({ includeArchived: true })).map((x) => [x.slug, x.archivedAt !== null])).toEqual([
      ['fire-drill', true],
      ['night-shift', false],
    ]);
    // Still readable (its page offers Unarchive).
    expect((await admin.scenarios.get({ id: fireId })).archivedAt).toBe(s.archivedAt);
    // Archiving again changes nothing and writes no second audit entry.
    expect((await admin.scenarios.archive({ id: fireId })).archivedAt).toBe(s.archivedAt);
    const entries = await audits('scenario.archive');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ workspace_id: A.id, actor: A.adminId, target_type: 'scenario', details: { slug: 'fire-drill', title: 'Fire drill' } });
  });

  it('an archived scenario keeps its slug: a new scenario cannot take it, and the message says it is archived', async () => {
    const err = await trpcError(admin.scenarios.create({ slug: 'fire-drill', title: 'Another fire drill' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('slug: The slug "fire-drill" is already used by the scenario "Fire drill" (archived).');
  });

  it('unarchive lists it again and audits', async () => {
    const s = await admin.scenarios.unarchive({ id: fireId });
    expect(s.archivedAt).toBeNull();
    expect((await admin.scenarios.list()).map((x) => x.slug)).toEqual(['fire-drill', 'night-shift']);
    expect(await audits('scenario.unarchive')).toHaveLength(1);
    await admin.scenarios.unarchive({ id: fireId }); // not archived: a no-op, no audit
    expect(await audits('scenario.unarchive')).toHaveLength(1);
  });

  it('admins only, and only in their own workspace', async () => {
    const member = await callerFor(env, A.memberId);
    expect((await trpcError(member.scenarios.archive({ id: fireId }))).code).toBe('FORBIDDEN');
    expect((await trpcError(member.scenarios.unarchive({ id: fireId }))).code).toBe('FORBIDDEN');
    expect((await trpcError(otherAdmin.scenarios.archive({ id: fireId }))).code).toBe('NOT_FOUND');
    expect((await trpcError(otherAdmin.scenarios.unarchive({ id: fireId }))).code).toBe('NOT_FOUND');
    expect((await trpcError(admin.scenarios.archive({ id: 'not-a-uuid' }))).code).toBe('BAD_REQUEST');
    expect((await admin.scenarios.get({ id: fireId })).archivedAt).toBeNull();
  });
});
