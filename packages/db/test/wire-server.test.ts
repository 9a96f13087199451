// The embedded engine under concurrency: many pooled connections with parameterised
// queries, transactions and failing statements must each get their own, correct answers
// (pglite-socket's stock queue interleaves them: electric-sql/pglite#1046).
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteWireServer } from '../src/pglite-server.js';

let db: PGlite;
let server: PgliteWireServer;
let pool: pg.Pool;
beforeAll(async () => {
  db = await PGlite.create();
  server = new PgliteWireServer(db);
  const port = await server.listen();
  pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 12 });
  pool.on('error', () => undefined);
  await pool.query('create table t (id int primary key, v text not null)');
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
  await db?.close();
});

describe('PGlite wire server', () => {
  it('keeps concurrent parameterised queries apart', async () => {
    const wrong: number[] = [];
    await Promise.all(
      Array.from({ length: 600 }, async (_, i) => {
        const r = await pool.query('select $1::int as a, $2::text as b, repeat($2::text, $3::int) as c', [i, `x${i}`, i % 7]);
        const row = r.rows[0];
        if (row.a !== i || row.b !== `x${i}` || row.c !== `x${i}`.repeat(i % 7)) wrong.push(i);
      }),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps transactions isolated and survives failing statements', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const c = await pool.connect();
        try {
          await c.query('begin');
          await c.query('insert into t (id, v) values ($1, $2)', [i % 60, `v${i}`]); // half of them collide
          const r = await c.query('select v from t where id = $1', [i % 60]);
          await c.query('commit');
          return r.rows[0]?.v === `v${i}` ? 'ok' : 'wrong';
        } catch (e) {
          await c.query('rollback').catch(() => undefined);
          return (e as { code?: string }).code === '23505' ? 'conflict' : `error ${(e as Error).message}`;
        } finally {
          c.release();
        }
      }),
    );
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'conflict')).toEqual([]);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(60);
    const { rows } = await pool.query('select count(*)::int as n from t');
    expect(rows[0].n).toBe(60);
    // And the pool still answers afterwards (no stalled queue).
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1);
  });

  it('keeps launch-shaped workloads from two pools (two processes) apart', async () => {
    const port = new URL(`http://x:${(pool as unknown as { options: { connectionString: string } }).options.connectionString.split(':').pop()}`).port;
    const other = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 12 });
    other.on('error', () => undefined);
    await pool.query('create table s (k text primary key, n int not null, used boolean not null default false)');
    const flow = async (p: pg.Pool, i: number) => {
      const k = `k${i}`;
      await p.query('with a as (insert into s (k, n) values ($1, $2) returning k) select k from a', [k, i]);
      const u = await p.query('update s set used = true where k = $1 and not used returning n', [k]);
      if (u.rows[0]?.n !== i) return `update ${i} got ${JSON.stringify(u.rows)}`;
      const c = await p.connect();
      try {
        await c.query('begin');
        const r = await c.query('select n, k from s where k = $1', [k]);
        await c.query('update s set n = n + 1000 where k = $1', [k]);
        await c.query('commit');
        if (r.rows[0]?.n !== i) return `tx ${i} got ${JSON.stringify(r.rows)}`;
      } finally {
        c.release();
      }
      const f = await p.query('select n from s where k = $1', [k]);
      return f.rows[0]?.n === i + 1000 ? 'ok' : `final ${i} got ${JSON.stringify(f.rows)}`;
    };
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => flow(i % 2 ? pool : other, i)));
    await other.end();
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
  });

  it('answers a parse error without desynchronising the connection', async () => {
    await expect(pool.query('select from where $1', [1])).rejects.toThrow();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.query('select $1::int as i', [i])));
    expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
