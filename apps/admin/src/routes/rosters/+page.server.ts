import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

/** Courses whose members come with the page (newest launch first); the others load theirs on demand. */
const MEMBERS_WITH_PAGE = 10;

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  const [contexts, syncs] = await Promise.all([api.rosters.contexts(), api.rosters.syncs({ limit: 20 })]);
  const members = await Promise.all(
    contexts
      .slice(0, MEMBERS_WITH_PAGE)
      .map(async (c) => [`${c.platformId} ${c.contextId}`, await api.rosters.members({ platformId: c.platformId, contextId: c.contextId })] as const),
  );
  return { contexts, syncs, members: Object.fromEntries(members) };
};
