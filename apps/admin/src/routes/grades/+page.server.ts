import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

const STATUSES = ['received', 'skipped', 'queued', 'sent', 'failed'] as const;

export const load: PageServerLoad = async (event) => {
  const q = event.url.searchParams;
  const api = await caller(event);
  const status = STATUSES.find((s) => s === q.get('status'));
  const input: { status?: (typeof STATUSES)[number]; platformId?: string; cursor?: string; limit: number } = { limit: 25 };
  if (status) input.status = status;
  if (q.get('platform')) input.platformId = q.get('platform')!;
  if (q.get('cursor')) input.cursor = q.get('cursor')!;
  const [list, byPlatform, platforms] = await Promise.all([api.grades.list(input).catch(() => ({ items: [], nextCursor: null })), api.grades.byPlatform(), api.platforms.list()]);
  return {
    list,
    byPlatform,
    platforms: platforms.map((p) => ({ id: p.id, name: p.name })),
    filter: { status: status ?? '', platform: q.get('platform') ?? '', cursor: q.get('cursor') ?? '' },
  };
};
