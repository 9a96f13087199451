// Step 3a: the JSON body the tool POSTs to the platform's registration endpoint. Built from the
// same helpers as the tool's discovery document, so what the LMS registers and what the tool
// advertises cannot drift apart.
import { TOOL_SCOPES, toolDiscoveryDocument } from '../tool-configuration.js';
import { CANVAS_PRIVACY_LEVEL, LTI_PLATFORM_CONFIGURATION, LTI_TOOL_CONFIGURATION } from './constants.js';
import type { PlatformConfiguration } from './validate-platform-configuration.js';

export interface RegistrationToolInput {
  /** The runtime's PUBLIC_URL; every tool URL is derived from it. */
  publicUrl: string;
  /** Shown by the LMS in its tool list; also the label of the launch messages. */
  clientName: string;
  logoUri?: string;
  contacts?: string[];
}

export interface ToolMessage {
  type: string;
  target_link_uri?: string;
  label?: string;
  placements?: string[];
  [k: string]: unknown;
}

export interface ToolConfigurationBody {
  domain: string;
  target_link_uri: string;
  claims: string[];
  messages: ToolMessage[];
  [CANVAS_PRIVACY_LEVEL]?: 'public';
  [k: string]: unknown;
}

export interface RegistrationRequestBody {
  application_type: 'web';
  response_types: ['id_token'];
  grant_types: ['implicit', 'client_credentials'];
  initiate_login_uri: string;
  redirect_uris: string[];
  client_name: string;
  jwks_uri: string;
  logo_uri?: string;
  contacts?: string[];
  token_endpoint_auth_method: 'private_key_jwt';
  /** Space-separated; only scopes the platform lists when it lists any. */
  scope: string;
  [LTI_TOOL_CONFIGURATION]: ToolConfigurationBody;
}

export function buildRegistrationRequest(config: PlatformConfiguration, tool: RegistrationToolInput): RegistrationRequestBody {
  const doc = toolDiscoveryDocument(tool.publicUrl, tool.clientName);
  const platform = config[LTI_PLATFORM_CONFIGURATION];

  // Asking for a scope the platform does not offer makes strict platforms refuse the whole
  // registration; asking for fewer only limits which services Tether may call later.
  const offered = config.scopes_supported;
  const scopes = offered ? TOOL_SCOPES.filter((s) => offered.includes(s)) : [...TOOL_SCOPES];

  // Same reasoning for message types: offer only what the platform says it can send. An empty
  // list says nothing, so it filters nothing.
  const supportedTypes = new Set(platform.messages_supported.map((m) => m.type));
  const toolConfig = doc[LTI_TOOL_CONFIGURATION];
  const messages: ToolMessage[] = toolConfig.messages.filter((m) => supportedTypes.size === 0 || supportedTypes.has(m.type)).map((m) => ({ ...m }));

  const ltiToolConfiguration: ToolConfigurationBody = {
    domain: toolConfig.domain,
    target_link_uri: toolConfig.target_link_uri,
    claims: [...toolConfig.claims],
    messages,
  };
  // Canvas defaults to anonymous launches (no name/email); Tether shows learners by name.
  if (platform.product_family_code.toLowerCase() === 'canvas') ltiToolConfiguration[CANVAS_PRIVACY_LEVEL] = 'public';

  const body: RegistrationRequestBody = {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: doc.initiate_login_uri,
    redirect_uris: [...doc.redirect_uris],
    client_name: tool.clientName,
    jwks_uri: doc.jwks_uri,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: scopes.join(' '),
    [LTI_TOOL_CONFIGURATION]: ltiToolConfiguration,
  };
  if (tool.logoUri !== undefined) body.logo_uri = tool.logoUri;
  if (tool.contacts !== undefined && tool.contacts.length > 0) body.contacts = [...tool.contacts];
  return body;
}
