import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  // Archived ones too: the page hides them unless "Show archived" is ticked (?archived=1), and counts them.
  const [scenarios, platforms] = await Promise.all([api.scenarios.list({ includeArchived: true }), api.platforms.list()]);
  return { scenarios, lmsConnected: platforms.length > 0, showArchived: event.url.searchParams.get('archived') === '1' };
};
