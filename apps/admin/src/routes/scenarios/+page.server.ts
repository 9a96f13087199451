import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  const [scenarios, platforms] = await Promise.all([api.scenarios.list(), api.platforms.list()]);
  return { scenarios, lmsConnected: platforms.length > 0 };
};
