export {
  type CatalogueEntry,
  catalogueCodes,
  explain,
  explainOrUnknown,
  GRADES_API_ERROR_CODES,
  type GradesApiErrorCode,
  PASSBACK_ERROR_CODES,
  type PassbackErrorCode,
  RATE_LIMIT_ERROR_CODES,
  type RateLimitErrorCode,
  ROSTER_SYNC_ERROR_CODES,
  type RosterSyncErrorCode,
} from './catalogue.js';
export { type ErrorDetails, isTetherError, TetherError, type TetherErrorOptions } from './tether-error.js';
