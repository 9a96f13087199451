/** Tool registrations and the access tokens issued to them. */
import { ALL_SERVICE_SCOPES } from './constants.js';
import type { SimContext } from './state.js';
import type { IssuedAccessToken, ToolRegistration, ToolRegistrationInput } from './types.js';
import { randomId } from './util.js';

export function registerTool(sim: SimContext, input: ToolRegistrationInput): ToolRegistration {
  if (!input.redirectUris?.length) throw new Error('registerTool: redirectUris must not be empty');
  const reg: ToolRegistration = {
    clientId: input.clientId ?? sim.clientId,
    loginUrl: input.loginUrl,
    redirectUris: [...input.redirectUris],
    jwksUrl: input.jwksUrl,
    targetLinkUri: input.targetLinkUri ?? input.redirectUris[0]!,
    deploymentIds: input.deploymentIds?.length ? [...input.deploymentIds] : [sim.deploymentId],
    scopes: input.scopes ? [...input.scopes] : [...ALL_SERVICE_SCOPES],
    name: input.name ?? 'Tool',
  };
  sim.state.tools.set(reg.clientId, reg);
  return reg;
}

/** The tool a launch goes to: the one asked for, else the default client, else the last registered. */
export function resolveTool(sim: SimContext, clientId: string | undefined): ToolRegistration {
  if (clientId) {
    const t = sim.state.tools.get(clientId);
    if (!t) throw new Error(`lms-sim: no tool registered with client_id ${clientId}`);
    return t;
  }
  const def = sim.state.tools.get(sim.clientId);
  if (def) return def;
  const all = [...sim.state.tools.values()];
  const last = all[all.length - 1];
  if (!last) throw new Error('lms-sim: no tool registered (call registerTool or run dynamic registration first)');
  return last;
}

/** Mint an access token directly (the token endpoint calls this once the assertion checks out). */
export function issueAccessToken(sim: SimContext, options: { clientId?: string; scopes?: string[]; ttlSec?: number } = {}): string {
  const accessToken = `at-${randomId(24)}`;
  const rec: IssuedAccessToken = {
    accessToken,
    clientId: options.clientId ?? sim.clientId,
    scopes: options.scopes ? [...options.scopes] : [...ALL_SERVICE_SCOPES],
    expiresAt: Date.now() + (options.ttlSec ?? sim.opts.tokenTtlSec ?? 3600) * 1000,
  };
  sim.state.accessTokens.set(accessToken, rec);
  sim.state.stats.tokensIssued++;
  return accessToken;
}
