// Issue attack 5: a NUL (or broken UTF-8) in any tRPC string input is a BAD_REQUEST naming the
// field — never Postgres's "invalid byte sequence" as a 500 — and nothing is written.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../src/index.js';
import { type Caller, callerFor, createTestWorkspace, type Env, setupEnv, type TestWorkspace, trpcError, validPlatform } from './helpers.js';

let env: Env;
let W: TestWorkspace;
let admin: Caller;

beforeAll(async () => {
  env = await setupEnv();
  W = await createTestWorkspace(env, 'bounded');
  admin = await callerFor(env, W.adminId, 'bounded');
});
afterAll(async () => env?.close());

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

/** Rows a refused call could have written. */
async function rowCounts() {
  const n = async (table: 'platforms' | 'scenarios' | 'api_keys' | 'audit_log' | 'roster_syncs') =>
    (await env.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  return { platforms: await n('platforms'), scenarios: await n('scenarios'), apiKeys: await n('api_keys'), audit: await n('audit_log'), syncs: await n('roster_syncs') };
}

async function refusedField(call: Promise<unknown>): Promise<Record<string, string>> {
  const err = await trpcError(call);
  expect(err.code).toBe('BAD_REQUEST');
  return fieldErrorsOf(err) ?? {};
}

describe('tRPC inputs refuse NUL and invalid UTF-8 (attack 5)', () => {
  it('scenarios.create and scenarios.update: NUL in title or description is BAD_REQUEST, nothing written', async () => {
    const before = await rowCounts();
    expect(await refusedField(admin.scenarios.create({ slug: 'nul-title', title: NUL }))).toMatchObject({ title: expect.stringMatching(/NUL/) });
    expect(await refusedField(admin.scenarios.create({ slug: 'nul-desc', title: 'T', description: NUL }))).toMatchObject({ description: expect.stringMatching(/NUL/) });
    expect(await refusedField(admin.scenarios.create({ slug: 'bad-utf8', title: LONE_SURROGATE }))).toMatchObject({ title: expect.stringMatching(/UTF-8/) });
    const s = await admin.scenarios.create({ slug: 'fine', title: 'Fine' });
    const after = await rowCounts();
    expect(await refusedField(admin.scenarios.update({ id: s.id, title: NUL }))).toMatchObject({ title: expect.stringMatching(/NUL/) });
    expect(await rowCounts()).toEqual(after);
    expect(after.scenarios).toBe(before.scenarios + 1);
  });

  it('apiKeys.create: NUL in the name is BAD_REQUEST, no key created', async () => {
    const before = await rowCounts();
    expect(await refusedField(admin.apiKeys.create({ name: NUL }))).toMatchObject({ name: expect.stringMatching(/NUL/) });
    expect(await rowCounts()).toEqual(before);
  });

  it('platforms.createManual, update and testConnection: NUL in any field is BAD_REQUEST, nothing written', async () => {
    const before = await rowCounts();
    for (const field of ['name', 'issuer', 'clientId', 'authLoginUrl', 'tokenUrl', 'jwksUrl', 'tokenAudience']) {
      const value = field === 'name' || field === 'clientId' ? NUL : 'https://lms.example.com/\u0000';
      expect(await refusedField(admin.platforms.createManual(validPlatform(`nul-${field}`.toLowerCase(), { [field]: value }))), field).toHaveProperty(field);
    }
    expect(await rowCounts()).toEqual(before);
    const p = await admin.platforms.createManual(validPlatform('nulupdate'));
    const after = await rowCounts();
    expect(await refusedField(admin.platforms.update({ id: p.id, name: NUL }))).toHaveProperty('name');
    expect(await refusedField(admin.platforms.update({ id: p.id, clientId: NUL }))).toHaveProperty('clientId');
    await refusedField(admin.platforms.testConnection({ jwksUrl: 'https://lms.example.com/\u0000' }));
    expect(await rowCounts()).toEqual(after);
  });

  it('launches.byCorrelationId, launches.recent, grades.list, rosters.sync and rosters.syncs: NUL is BAD_REQUEST, never a database error', async () => {
    const before = await rowCounts();
    expect(await refusedField(admin.launches.byCorrelationId({ correlationId: NUL }))).toMatchObject({ correlationId: expect.stringMatching(/NUL/) });
    await refusedField(admin.launches.recent({ cursor: NUL }));
    await refusedField(admin.launches.recent({ since: `2026-01-01${'\u0000'}` }));
    await refusedField(admin.grades.list({ cursor: NUL }));
    const platformId = '00000000-0000-4000-8000-000000000000';
    expect(await refusedField(admin.rosters.sync({ platformId, contextId: NUL }))).toMatchObject({ contextId: expect.stringMatching(/NUL/) });
    await refusedField(admin.rosters.syncs({ contextId: NUL }));
    expect(await rowCounts()).toEqual(before);
  });
});
