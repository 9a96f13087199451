// `pnpm bench` (history part): launch history seeded into its own workspace before the launch
// runs — BENCH_HISTORY_LAUNCHES launches (1 M on PostgreSQL; 100 k on the embedded engine,
// which keeps everything in memory), each with a timeline as large as a real launch's (copied
// from one the warm-up made) — so the launches are measured against tables of a real size, and
// then the correlation-ID lookup an admin runs: the launch and its timeline, as the dashboard
// reads them (findLaunchDetail + listLaunchEvents, in parallel).
import { createWorkspace, type Database, findLaunchDetail, type Kysely, listLaunchEvents, sql } from '@tether/db';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export interface SeededHistory {
  workspaceId: string;
  count: number;
  eventsPerLaunch: number;
  seconds: number;
}

export async function seedHistory(label: string, db: Kysely<Database>, copyFromWorkspaceId: string): Promise<SeededHistory> {
  const count = Number(process.env.BENCH_HISTORY_LAUNCHES ?? (label === 'embedded' ? 100_000 : 1_000_000));
  const sample = await sql<{ platform_id: string; events: string; n: number }>`
    select l.platform_id, t.events::text as events, jsonb_array_length(t.events) as n
    from launches l join launch_timeline t using (correlation_id)
    where l.workspace_id = ${copyFromWorkspaceId} and l.status = 'landed' order by l.created_at limit 1`.execute(db);
  const real = sample.rows[0];
  if (!real) throw new Error('history seed: no landed launch to copy');
  const ws = await createWorkspace(db, { slug: `history-${Math.random().toString(36).slice(2, 8)}`, name: 'Seeded history' });
  const started = performance.now();
  const batch = 100_000;
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(count, from + batch) - 1;
    // Oldest first, as launches arrive; one in twenty failed; a quarter of the learners come back.
    await sql`
      insert into launches (correlation_id, workspace_id, platform_id, issuer, client_id, deployment_id, message_type, lti_sub, context_id, status, error_code, created_at, completed_at)
      select 'seed-' || g, ${ws.id}::uuid, ${real.platform_id}::uuid, 'https://seed.example', 'seed', 'd1', 'LtiResourceLinkRequest', 'seed-learner-' || (g % 250000), 'course-' || (g % 500),
        case when g % 20 = 0 then 'failed' else 'landed' end, case when g % 20 = 0 then 'nonce_replayed' end,
        now() - make_interval(secs => ${count} - g), now() - make_interval(secs => ${count} - g)
      from generate_series(${from}::int, ${to}::int) g`.execute(db);
    await sql`
      insert into launch_timeline (correlation_id, workspace_id, created_at, events)
      select 'seed-' || g, ${ws.id}::uuid, now() - make_interval(secs => ${count} - g), ${real.events}::jsonb
      from generate_series(${from}::int, ${to}::int) g`.execute(db);
  }
  // Settle what a bulk load leaves behind (hint bits, visibility map, dirty pages) before the
  // runs, as a server that has been up for months would have: otherwise autovacuum and the
  // checkpointer bill the measured launches for the seeding.
  await sql`vacuum (analyze) launches, launch_timeline`.execute(db);
  await sql`checkpoint`.execute(db).catch(() => undefined);
  const seconds = (performance.now() - started) / 1000;
  const size = await sql<{ bytes: string }>`select (pg_total_relation_size('launch_timeline') + pg_total_relation_size('launches'))::text as bytes`.execute(db);
  console.log(
    `${label.padEnd(9)} history: ${count.toLocaleString('en')} launches seeded (${(count * real.n).toLocaleString('en')} events, launches + timeline ${(Number(size.rows[0]!.bytes) / 2 ** 20).toFixed(0)} MB, ${seconds.toFixed(0)} s)`,
  );
  return { workspaceId: ws.id, count, eventsPerLaunch: real.n, seconds };
}

export async function benchTimelineLookup(label: string, db: Kysely<Database>, history: SeededHistory, benchWorkspaceId: string) {
  const real = await sql<{ correlation_id: string }>`select correlation_id from launches where workspace_id = ${benchWorkspaceId} order by created_at desc limit 50`.execute(db);
  const ids = [
    ...real.rows.map((r) => ({ ws: benchWorkspaceId, id: r.correlation_id })),
    ...Array.from({ length: 400 }, () => ({ ws: history.workspaceId, id: `seed-${Math.floor(Math.random() * history.count)}` })),
  ];
  const times: number[] = [];
  let events = 0;
  for (const { ws, id } of ids) {
    const t0 = performance.now();
    const [launch, timeline] = await Promise.all([findLaunchDetail(db, ws, id), listLaunchEvents(db, ws, id)]);
    times.push(performance.now() - t0);
    if (!launch || timeline.length === 0) throw new Error(`timeline bench: ${id} not found`);
    events += timeline.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(9)} troubleshooting lookup by correlation ID among ${history.count.toLocaleString('en')} seeded + the bench's launches: launch + ${Math.round(events / ids.length)} events ` +
      `p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms (n=${ids.length})`,
  );
}
