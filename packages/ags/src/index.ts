export { AgsError, isAgsError } from './errors.js';
export type { AgsErrorCode, AgsErrorDetails } from './errors.js';

export {
  AGS_SCOPES,
  AGS_MEDIA_TYPES,
  AGS_ENDPOINT_CLAIM,
  ACTIVITY_PROGRESS,
  GRADING_PROGRESS,
  CLIENT_ASSERTION_TYPE,
} from './constants.js';
export type { ActivityProgress, GradingProgress } from './constants.js';

export { createClientAssertion, CLIENT_ASSERTION_LIFETIME_SEC } from './client-assertion.js';
export type { ClientAssertionInput } from './client-assertion.js';

export { createServiceTokenProvider } from './token-provider.js';
export type {
  ServiceToken,
  ServiceTokenProvider,
  ServiceTokenProviderOptions,
  ServiceTokenProviderStats,
  ServiceTokenCache,
  CachedServiceToken,
} from './token-provider.js';

export { createAgsClient } from './client.js';
export type { AgsClient, AgsClientOptions, LineItemFilter, FindOrCreateLineItemInput } from './client.js';
export type { LineItem, LineItemInput, AgsResult } from './line-item.js';
export type { ScoreInput, ScoreBody } from './score.js';

export { scaleScore } from './scale-score.js';
export { lineItemServiceUrl } from './service-url.js';
export { parseLinkHeader } from './link-header.js';
