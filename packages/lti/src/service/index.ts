// LTI Advantage service connector: client-credentials tokens (one cache per process, shared by
// AGS and NRPS) and the one authorised request with its 401 → refresh → retry-once rule.

export {
  type AccessTokenSource,
  type AuthorisedCall,
  type AuthorisedRequestOptions,
  authorisedRequest,
  type ServiceAccessToken,
} from './authorised-request.js';
export { CLIENT_ASSERTION_LIFETIME_SEC, CLIENT_ASSERTION_TYPE, type ClientAssertionInput, createClientAssertion } from './client-assertion.js';
export {
  createServiceConnector,
  type ServiceConnector,
  type ServiceConnectorOptions,
  type ServiceConnectorStats,
  type ServiceRegistration,
} from './connector.js';
export { isServiceTokenError, SERVICE_TOKEN_ERROR_CODES, ServiceTokenError, type ServiceTokenErrorCode } from './errors.js';
export {
  type CachedServiceToken,
  createServiceTokenProvider,
  type ServiceToken,
  type ServiceTokenCache,
  type ServiceTokenProvider,
  type ServiceTokenProviderOptions,
  type ServiceTokenProviderStats,
} from './token-provider.js';
