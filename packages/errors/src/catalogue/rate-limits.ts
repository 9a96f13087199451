// Flood control: a client address (or a Grades API key) that sent more requests in a minute
// than the runtime takes. Answered before any work is done, so nothing is recorded.
import type { CatalogueSlice } from './entry.js';

export const RATE_LIMIT_ERROR_CODES = ['rate_limited'] as const;
export type RateLimitErrorCode = (typeof RATE_LIMIT_ERROR_CODES)[number];

export const rateLimitEntries: CatalogueSlice<RateLimitErrorCode> = {
  rate_limited: {
    status: 429,
    learner: 'Too many requests came from your network in a short time. Please wait a minute, then open the activity again from your course.',
    admin:
      'The runtime refused a login, launch or registration request (or a Grades API call) because its client address (or API key) sent more requests per minute than the limit. The request was not processed and nothing was recorded for it.',
    fix: 'Usually a flood or a script and nothing to do. If real users hit it — many learners behind one address — set TRUSTED_PROXIES to your reverse proxies so each client is counted by its own address, or raise the RATE_LIMIT_*_PER_MIN settings; a Grades API client should wait for Retry-After.',
  },
};
