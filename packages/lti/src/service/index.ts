// LTI Advantage service connector: client-credentials tokens (one cache per process, shared by
// AGS and NRPS) and the one authorised request with its 401 → refresh → retry-once rule.
export { SERVICE_TOKEN_ERROR_CODES, ServiceTokenError, isServiceTokenError, type ServiceTokenErrorCode } from './errors.js';
export { CLIENT_ASSERTION_LIFETIME_SEC, CLIENT_ASSERTION_TYPE, createClientAssertion, type ClientAssertionInput } from './client-assertion.js';
export {
  createServiceTokenProvider,
  type CachedServiceToken,
  type ServiceToken,
  type ServiceTokenCache,
  type ServiceTokenProvider,
  type ServiceTokenProviderOptions,
  type ServiceTokenProviderStats,
} from './token-provider.js';
export {
  createServiceConnector,
  type ServiceConnector,
  type ServiceConnectorOptions,
  type ServiceConnectorStats,
  type ServiceRegistration,
} from './connector.js';
export {
  authorisedRequest,
  type AccessTokenSource,
  type AuthorisedCall,
  type AuthorisedRequestOptions,
  type ServiceAccessToken,
} from './authorised-request.js';
