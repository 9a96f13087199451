// The tool's own configuration, derived from PUBLIC_URL: the four URLs admins copy, the
// discovery document, and the lti-tool-configuration that dynamic registration sends.
import { AGS_SCOPE, NRPS_SCOPE } from './claims.js';

export interface ToolEndpoints {
  login: string;
  launch: string;
  jwks: string;
  openidConfiguration: string;
  register: string;
}

export function toolEndpoints(publicUrl: string): ToolEndpoints {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    login: `${base}/lti/login`,
    launch: `${base}/lti/launch`,
    jwks: `${base}/.well-known/jwks.json`,
    openidConfiguration: `${base}/.well-known/openid-configuration`,
    register: `${base}/lti/register`,
  };
}

export const TOOL_SCOPES = [AGS_SCOPE.lineItem, AGS_SCOPE.resultReadonly, AGS_SCOPE.score, NRPS_SCOPE] as const;
export const TOOL_CLAIMS = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'] as const;

export function ltiToolConfiguration(publicUrl: string, toolName = 'Tether') {
  const e = toolEndpoints(publicUrl);
  return {
    domain: new URL(publicUrl).host,
    target_link_uri: e.launch,
    claims: [...TOOL_CLAIMS],
    messages: [
      { type: 'LtiResourceLinkRequest', target_link_uri: e.launch, label: toolName },
      { type: 'LtiDeepLinkingRequest', target_link_uri: e.launch, label: `${toolName}: choose a scenario` },
    ],
  };
}

/** `/.well-known/openid-configuration`: the tool's discovery document. */
export function toolDiscoveryDocument(publicUrl: string, toolName = 'Tether') {
  const e = toolEndpoints(publicUrl);
  return {
    issuer: publicUrl.replace(/\/+$/, ''),
    client_name: toolName,
    application_type: 'web',
    jwks_uri: e.jwks,
    initiate_login_uri: e.login,
    redirect_uris: [e.launch],
    target_link_uri: e.launch,
    registration_endpoint: e.register,
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    token_endpoint_auth_method: 'private_key_jwt',
    id_token_signing_alg_values_supported: ['RS256'],
    scope: TOOL_SCOPES.join(' '),
    scopes_supported: [...TOOL_SCOPES],
    'https://purl.imsglobal.org/spec/lti-tool-configuration': ltiToolConfiguration(publicUrl, toolName),
  };
}
