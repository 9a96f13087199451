// Server-side prepared statements: parameterised queries run as named statements, and a pool
// that meets a name it never prepared (connections sharing one session, as on the embedded
// engine's wire server) falls back to unnamed statements with the right answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKysely, sql } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('prepared statements', () => {
  it('a parameterised query becomes a named statement on its connection', async () => {
    const db = createKysely(t.url, 1, { preparedStatements: true });
    try {
      for (const v of ['a', 'b']) expect((await sql<{ v: string }>`select ${v}::text || '-prepared' as v`.execute(db)).rows).toEqual([{ v: `${v}-prepared` }]);
      const named = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
      expect(named.rows.find((r) => r.statement.includes("|| '-prepared'"))?.name).toMatch(/^tether_\d+$/);
    } finally {
      await db.destroy();
    }
  });

  it('two pools giving one name to different statements in one shared session still get their own answers', async () => {
    const a = createKysely(t.url, 1, { preparedStatements: true });
    const b = createKysely(t.url, 1, { preparedStatements: true });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await sql<{ a: string }>`select ${`x${i}`}::text as a`.execute(a)).rows).toEqual([{ a: `x${i}` }]);
        expect((await sql<{ b: number }>`select ${i}::int + 100 as b`.execute(b)).rows).toEqual([{ b: i + 100 }]);
      }
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
});
