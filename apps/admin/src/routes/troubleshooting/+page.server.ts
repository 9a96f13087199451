import { redirect } from '@sveltejs/kit';
import type { RouterInputs } from '@tether/api';
import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const q = event.url.searchParams;
  const cid = q.get('cid')?.trim();
  if (cid) redirect(303, `/troubleshooting/${encodeURIComponent(cid)}`);
  const api = await caller(event);
  const raw = q.get('outcome');
  const outcome = raw === 'landed' || raw === 'failed' || raw === 'started' ? raw : undefined;
  const sinceDays = Number(q.get('since') ?? '0');
  const filter: NonNullable<RouterInputs['launches']['recent']> = { limit: 25 };
  if (outcome) filter.outcome = outcome;
  if (q.get('platform')) filter.platformId = q.get('platform')!;
  if (q.get('scenario')) filter.scenarioId = q.get('scenario')!;
  if (sinceDays > 0) filter.since = new Date(Date.now() - sinceDays * 86_400_000).toISOString();
  if (q.get('cursor')) filter.cursor = q.get('cursor')!;
  const [recent, stats, platforms, scenarios] = await Promise.all([
    api.launches.recent(filter).catch(() => ({ items: [], nextCursor: null })),
    api.launches.stats({ days: 14 }),
    api.platforms.list(),
    api.scenarios.list(),
  ]);
  return {
    recent,
    stats,
    platforms: platforms.map((p) => ({ id: p.id, name: p.name })),
    scenarios: scenarios.map((s) => ({ id: s.id, title: s.title })),
    filter: { outcome: outcome ?? '', platform: q.get('platform') ?? '', scenario: q.get('scenario') ?? '', since: q.get('since') ?? '', cursor: q.get('cursor') ?? '' },
  };
};
