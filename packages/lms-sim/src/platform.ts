/** What the platform publishes about itself (OpenID configuration, token audience, name) and the start of dynamic registration. */
import { ALL_SERVICE_SCOPES, BRIGHTSPACE_TOKEN_AUDIENCE, PLATFORM_CONFIGURATION, PLATFORM_NAME, PRODUCT_FAMILY_CODE } from './constants.js';
import type { SimContext } from './state.js';
import { randomStdBase64 } from './util.js';

/** The audience a client assertion must carry. */
export function tokenAudience(sim: SimContext): string {
  return sim.opts.tokenAudience ?? (sim.mode === 'brightspace' ? BRIGHTSPACE_TOKEN_AUDIENCE : sim.endpoints.token);
}

export function platformName(sim: SimContext): string {
  return PLATFORM_NAME[sim.mode];
}

/** The platform OpenID configuration (what GET /.well-known/openid-configuration returns). */
export function openidConfiguration(sim: SimContext): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    issuer: sim.issuer,
    authorization_endpoint: sim.endpoints.auth,
    token_endpoint: sim.endpoints.token,
    jwks_uri: sim.endpoints.jwks,
    registration_endpoint: sim.endpoints.registration,
    scopes_supported: ['openid', ...ALL_SERVICE_SCOPES],
    response_types_supported: ['id_token'],
    response_modes_supported: ['form_post'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'aud', 'sub', 'iat', 'exp', 'nonce', 'name', 'given_name', 'family_name', 'email', 'picture', 'locale'],
    subject_types_supported: ['public', 'pairwise'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    [PLATFORM_CONFIGURATION]: {
      product_family_code: PRODUCT_FAMILY_CODE[sim.mode],
      version: '1.0.0-sim',
      messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['link_selection', 'assignment_selection'] }],
      variables: ['User.id', 'Context.id', 'ResourceLink.id'],
    },
  };
  if (sim.mode === 'brightspace' || sim.opts.tokenAudience) cfg.authorization_server = tokenAudience(sim);
  for (const [k, v] of Object.entries(sim.opts.openidConfigurationOverrides ?? {})) {
    if (v === null) delete cfg[k];
    else cfg[k] = v;
  }
  return cfg;
}

/**
 * Begin dynamic registration: the URL the LMS would open (the tool's registration URL plus
 * `openid_configuration` and a one-hour `registration_token`). The token is standard base64
 * (contains + / =) so sloppy URL handling shows up. `doubleEncodeToken` reproduces the
 * Blackboard quirk of percent-encoding the token twice; the sim still only accepts the raw token.
 */
export function startRegistration(sim: SimContext, options: { toolRegistrationUrl: string; doubleEncodeToken?: boolean }): string {
  const token = randomStdBase64();
  sim.state.registrationTokens.set(token, {
    token,
    toolRegistrationUrl: options.toolRegistrationUrl,
    expiresAt: Date.now() + 3600 * 1000,
    used: false,
  });
  const u = new URL(options.toolRegistrationUrl);
  u.searchParams.set('openid_configuration', sim.endpoints.openidConfiguration);
  if (!options.doubleEncodeToken) {
    u.searchParams.set('registration_token', token);
    return u.toString();
  }
  const sep = u.search ? '&' : '?';
  return `${u.toString()}${sep}registration_token=${encodeURIComponent(encodeURIComponent(token))}`;
}
