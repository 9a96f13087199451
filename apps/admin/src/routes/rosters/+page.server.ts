import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  const [contexts, syncs] = await Promise.all([api.rosters.contexts(), api.rosters.syncs({ limit: 20 })]);
  return { contexts, syncs };
};
