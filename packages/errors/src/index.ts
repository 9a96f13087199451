export {
  catalogueCodes,
  explain,
  explainOrUnknown,
  PASSBACK_ERROR_CODES,
  ROSTER_SYNC_ERROR_CODES,
  type CatalogueEntry,
  type PassbackErrorCode,
  type RosterSyncErrorCode,
} from './catalogue.js';
export { isTetherError, TetherError, type ErrorDetails, type TetherErrorOptions } from './tether-error.js';
