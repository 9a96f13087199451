export type { AgsClient, AgsClientOptions, FindOrCreateLineItemInput, LineItemFilter } from './client.js';
export { createAgsClient } from './client.js';
export type { ActivityProgress, GradingProgress } from './constants.js';
export {
  ACTIVITY_PROGRESS,
  AGS_ENDPOINT_CLAIM,
  AGS_MEDIA_TYPES,
  AGS_SCOPES,
  GRADING_PROGRESS,
} from './constants.js';
export type { AgsErrorCode, AgsErrorDetails, AgsErrorOptions } from './errors.js';
export { AGS_ERROR_CODES, AgsError, isAgsError } from './errors.js';
export type { AgsResult, LineItem, LineItemInput } from './line-item.js';
export { scaleScore } from './scale-score.js';
export type { ScoreBody, ScoreInput } from './score.js';
export { lineItemServiceUrl } from './service-url.js';
