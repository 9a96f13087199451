// Names and Role Provisioning Services 2.0, tool side: read a context's roster, every page of
// it. Framework-free and storage-free; tokens come from the service connector (../service).
export { NRPS_SCOPE, NRPS_MEDIA_TYPE, NRPS_DEFAULT_MAX_PAGES, NRPS_DEFAULT_TIMEOUT_MS, NRPS_MAX_PAGE_BYTES } from './constants.js';
export { NRPS_ERROR_CODES, NrpsError, isNrpsError, type NrpsErrorCode, type NrpsErrorDetails, type NrpsErrorOptions } from './errors.js';
export type { NrpsMember, NrpsMemberStatus, NrpsContext } from './membership-container.js';
export {
  fetchMemberships,
  type AccessTokenSource,
  type FetchMembershipsOptions,
  type MembershipsResult,
  type NrpsPage,
} from './fetch-memberships.js';
