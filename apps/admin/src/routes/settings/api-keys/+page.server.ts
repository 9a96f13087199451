import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  const [keys, endpoints] = await Promise.all([api.apiKeys.list(), api.lti.endpoints()]);
  return { keys, gradesUrl: endpoints.login.replace(/\/lti\/login$/, '/api/v1/grades') };
};
