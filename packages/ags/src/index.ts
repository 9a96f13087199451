export { AGS_ERROR_CODES, AgsError, isAgsError } from './errors.js';
export type { AgsErrorCode, AgsErrorDetails, AgsErrorOptions } from './errors.js';

export {
  AGS_SCOPES,
  AGS_MEDIA_TYPES,
  AGS_ENDPOINT_CLAIM,
  ACTIVITY_PROGRESS,
  GRADING_PROGRESS,
} from './constants.js';
export type { ActivityProgress, GradingProgress } from './constants.js';

export { createAgsClient } from './client.js';
export type { AgsClient, AgsClientOptions, LineItemFilter, FindOrCreateLineItemInput } from './client.js';
export type { LineItem, LineItemInput, AgsResult } from './line-item.js';
export type { ScoreInput, ScoreBody } from './score.js';

export { scaleScore } from './scale-score.js';
export { lineItemServiceUrl } from './service-url.js';
