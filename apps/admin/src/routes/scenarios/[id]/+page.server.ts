import { error } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  try {
    return { scenario: await api.scenarios.get({ id: event.params.id }) };
  } catch (e) {
    if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) error(404, { message: 'No such scenario in this workspace.' });
    throw e;
  }
};
