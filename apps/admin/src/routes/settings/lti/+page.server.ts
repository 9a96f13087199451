import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  const [endpoints, platforms, registrations] = await Promise.all([api.lti.endpoints(), api.platforms.list(), api.lti.registrations({ limit: 20 })]);
  return { endpoints, platforms, registrations };
};
