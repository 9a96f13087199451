// `pnpm bench` (troubleshooting part): the correlation-ID lookup an admin runs — the launch
// and its timeline, as the dashboard reads them (findLaunchDetail + listLaunchEvents, in
// parallel) — on a table seeded with TIMELINE_LAUNCHES launches (1 M on PostgreSQL; 100 k on
// the embedded engine, which keeps everything in memory), each with a timeline as large as a
// real launch's (copied from one the bench just made).
import { type Database, findLaunchDetail, type Kysely, listLaunchEvents, sql } from '@tether/db';

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function benchTimelineLookup(label: string, db: Kysely<Database>, workspaceId: string) {
  const count = Number(process.env.BENCH_TIMELINE_LAUNCHES ?? (label === 'embedded' ? 100_000 : 1_000_000));
  const sample = await sql<{ correlation_id: string; platform_id: string; events: string; n: number }>`
    select l.correlation_id, l.platform_id, t.events::text as events, jsonb_array_length(t.events) as n
    from launches l join launch_timeline t using (correlation_id)
    where l.workspace_id = ${workspaceId} and l.status = 'landed' order by l.created_at limit 1`.execute(db);
  const real = sample.rows[0];
  if (!real) throw new Error('timeline bench: no landed launch to copy');
  const seedStart = performance.now();
  const batch = 100_000;
  for (let from = 0; from < count; from += batch) {
    const to = Math.min(count, from + batch) - 1;
    // Oldest first, as launches arrive; a quarter of the learners come back.
    await sql`
      insert into launches (correlation_id, workspace_id, platform_id, issuer, client_id, deployment_id, message_type, lti_sub, context_id, status, error_code, created_at, completed_at)
      select 'seed-' || g, ${workspaceId}::uuid, ${real.platform_id}::uuid, 'https://seed.example', 'seed', 'd1', 'LtiResourceLinkRequest', 'seed-learner-' || (g % 250000), 'course-' || (g % 500),
        case when g % 20 = 0 then 'failed' else 'landed' end, case when g % 20 = 0 then 'nonce_replayed' end,
        now() - make_interval(secs => ${count} - g), now() - make_interval(secs => ${count} - g)
      from generate_series(${from}::int, ${to}::int) g`.execute(db);
    await sql`
      insert into launch_timeline (correlation_id, workspace_id, created_at, events)
      select 'seed-' || g, ${workspaceId}::uuid, now() - make_interval(secs => ${count} - g), ${real.events}::jsonb
      from generate_series(${from}::int, ${to}::int) g`.execute(db);
  }
  await sql`analyze launches`.execute(db);
  await sql`analyze launch_timeline`.execute(db);
  const seeded = (performance.now() - seedStart) / 1000;
  const size = await sql<{ bytes: string }>`select (pg_total_relation_size('launch_timeline') + pg_total_relation_size('launches'))::text as bytes`.execute(db);

  const ids = [real.correlation_id, ...Array.from({ length: 400 }, () => `seed-${Math.floor(Math.random() * count)}`)];
  const times: number[] = [];
  let events = 0;
  for (const id of ids) {
    const t0 = performance.now();
    const [launch, timeline] = await Promise.all([findLaunchDetail(db, workspaceId, id), listLaunchEvents(db, workspaceId, id)]);
    times.push(performance.now() - t0);
    if (!launch || timeline.length === 0) throw new Error(`timeline bench: ${id} not found`);
    events += timeline.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(9)} timeline lookup by correlation ID: ${count.toLocaleString('en')} launches seeded (${(count * real.n).toLocaleString('en')} events, ${(Number(size.rows[0]!.bytes) / 2 ** 20).toFixed(0)} MB, ${seeded.toFixed(0)} s); ` +
      `launch + ${Math.round(events / ids.length)} events: p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms (n=${ids.length})`,
  );
}
