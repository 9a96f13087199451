// Codes several flows end on: a launch, a grade delivery and a roster sync.
import { ASK_ADMIN, type CatalogueSlice } from './entry.js';

export const sharedEntries: CatalogueSlice = {
  internal_error: {
    status: 500,
    learner: `Something went wrong on our side. ${ASK_ADMIN}`,
    admin: 'An unexpected error occurred (in a grade delivery or a roster sync: on every try); the runtime logs carry the same correlation ID.',
    fix: 'Search the runtime logs for the correlation ID; for a failed grade or roster sync, retry once it is fixed.',
  },
  platform_not_found: {
    status: 404,
    learner: `This course's platform is no longer connected to this workspace. ${ASK_ADMIN}`,
    admin: 'The platform (LMS registration) of this launch or course was removed from Tether.',
    fix: 'Re-add the platform and have the learner launch again from the course; then retry the grade, or sync the roster again.',
  },
};
