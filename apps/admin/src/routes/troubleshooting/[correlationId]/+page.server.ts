import { error, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { caller } from '$lib/server/api';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const api = await caller(event);
  try {
    const detail = await api.launches.byCorrelationId({ correlationId: event.params.correlationId });
    // The ID as the runtime wrote it (lowercase): one address per launch, whatever was pasted.
    if (detail.launch.correlationId !== event.params.correlationId) redirect(307, `/troubleshooting/${encodeURIComponent(detail.launch.correlationId)}`);
    // A login the platform never answered has no launch row yet, and a registration no grades.
    const grades = detail.launch.id === null || detail.kind === 'registration' ? [] : await api.grades.forLaunch({ launchId: detail.launch.id });
    return { ...detail, grades };
  } catch (e) {
    if (e instanceof TRPCError && (e.code === 'NOT_FOUND' || e.code === 'BAD_REQUEST')) {
      error(404, {
        message: `No launch or registration with correlation ID “${event.params.correlationId}” in this workspace. Check the ID (copy it from the learner’s error page); launches from an LMS that is not connected have no workspace and cannot be shown.`,
      });
    }
    throw e;
  }
};
