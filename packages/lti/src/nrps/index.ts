// Names and Role Provisioning Services 2.0, tool side: read a context's roster, every page of
// it. Framework-free and storage-free; tokens come from the service connector (../service).
export { NRPS_DEFAULT_MAX_PAGES, NRPS_DEFAULT_TIMEOUT_MS, NRPS_MAX_PAGE_BYTES, NRPS_MEDIA_TYPE, NRPS_SCOPE } from './constants.js';
export { isNrpsError, NRPS_ERROR_CODES, NrpsError, type NrpsErrorCode, type NrpsErrorDetails, type NrpsErrorOptions } from './errors.js';
export {
  type AccessTokenSource,
  type FetchMembershipsOptions,
  fetchMemberships,
  type MembershipsResult,
  type NrpsPage,
} from './fetch-memberships.js';
export type { NrpsContext, NrpsMember, NrpsMemberStatus } from './membership-container.js';
