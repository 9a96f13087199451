// LTI Dynamic Registration 1.0, tool side: framework-free and storage-free. The runtime maps
// HTTP to these functions and persists the RegisteredTool it gets back.
import { buildRegistrationRequest, type RegistrationToolInput } from './build-registration-request.js';
import { fetchPlatformConfiguration } from './fetch-platform-configuration.js';
import { parseRegistrationInitiation } from './parse-initiation.js';
import { type RegisteredTool, registerTool } from './register-tool.js';
import type { PlatformConfiguration } from './validate-platform-configuration.js';

export * from './build-registration-request.js';
export * from './close-page.js';
export * from './constants.js';
export * from './errors.js';
export type { FetchPlatformConfigurationOptions } from './fetch-platform-configuration.js';
export { fetchPlatformConfiguration } from './fetch-platform-configuration.js';
export type { ParseRegistrationInitiationOptions, RegistrationInitiation } from './parse-initiation.js';
export { decodeRegistrationToken, parseRegistrationInitiation } from './parse-initiation.js';
export * from './platform-error-message.js';
export * from './register-tool.js';
export * from './url-errors.js';
export { isInsecureHostAllowed } from './urls.js';
export * from './validate-platform-configuration.js';

export interface RunDynamicRegistrationOptions {
  tool: RegistrationToolInput;
  userAgent: string;
  fetch?: typeof fetch;
  /**
   * Hosts (`hostname` or `hostname:port`) allowed over plain http and on private/internal
   * addresses (past the HTTP client's address guard) — local test LMSes only.
   */
  allowInsecureHosts?: string[];
  /** Per request (configuration GET, registration POST). Defaults 5000 / 10000. */
  timeoutMs?: number;
}

export interface DynamicRegistrationResult {
  registered: RegisteredTool;
  config: PlatformConfiguration;
}

/** The whole exchange: read the initiation, fetch and check the configuration, register. */
export async function runDynamicRegistration(query: URLSearchParams | Record<string, string | undefined>, opts: RunDynamicRegistrationOptions): Promise<DynamicRegistrationResult> {
  const allowInsecureHosts = opts.allowInsecureHosts ?? [];
  const { openidConfigurationUrl, registrationToken } = parseRegistrationInitiation(query, { allowInsecureHosts });
  const shared = {
    userAgent: opts.userAgent,
    allowPrivateHosts: allowInsecureHosts,
    ...(registrationToken === undefined ? {} : { registrationToken }),
    ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
  };
  const config = await fetchPlatformConfiguration(openidConfigurationUrl, { ...shared, allowInsecureHosts });
  const body = buildRegistrationRequest(config, opts.tool);
  const registered = await registerTool(config, body, shared);
  return { registered, config };
}
