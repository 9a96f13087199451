/**
 * Test harness: a tool JWKS served over real HTTP, an lms-sim with the tool registered, and
 * factories for the token provider and AGS client under test.
 */
import { closeAfterEach, startJwksServer, startServer as startTestServer, type TestRequestHandler, type TestServer, testSigningKey } from '@tether/http/testing';
import { type LmsSim, type LmsSimOptions, startLmsSim } from '@tether/lms-sim';
import { createServiceTokenProvider, type ServiceTokenProvider, type ServiceTokenProviderOptions } from '@tether/lti';
import { afterEach } from 'vitest';
import { AGS_SCOPES, type AgsClient, type AgsClientOptions, createAgsClient } from '../src/index.js';

// `signer`: the tool's signing key, as `ServiceTokenProviderOptions.signer` wants it.
export { rejection, rewriteJson, tapFetch, testSigningKey as signer } from '@tether/http/testing';

export const UA = 'tether-ags-test/1.0 (+https://tether.example)';
// Test platforms run on 127.0.0.1 (or a fake host behind an injected fetch): allowed by name, past the address guard.
export const LOCAL = ['127.0.0.1', 'localhost', 'lms.example'];
const ALL_AGS = [AGS_SCOPES.lineItem, AGS_SCOPES.lineItemReadonly, AGS_SCOPES.resultReadonly, AGS_SCOPES.score];

// Every server and sim a test starts is closed after it.
const open = closeAfterEach(afterEach);
export const startServer = async (handler: TestRequestHandler): Promise<TestServer> => open.track(await startTestServer(handler));

export interface Harness {
  sim: LmsSim;
  /** Registers another client_id (same tool JWKS) on the sim. */
  registerClient(clientId: string, scopes?: string[]): void;
  provider(overrides?: Partial<ServiceTokenProviderOptions>): ServiceTokenProvider;
  client(overrides?: Partial<AgsClientOptions> & { provider?: Partial<ServiceTokenProviderOptions> }): {
    ags: AgsClient;
    tokens: ServiceTokenProvider;
  };
}

export async function setup(opts: LmsSimOptions = {}): Promise<Harness> {
  const sim = open.track(await startLmsSim(opts));
  const tool = open.track(await startJwksServer([(await testSigningKey()).publicJwk]));
  const registerClient = (clientId: string, scopes?: string[]): void => {
    sim.registerTool({
      clientId,
      loginUrl: `${tool.url}/login`,
      redirectUris: [`${tool.url}/launch`],
      jwksUrl: tool.jwksUrl,
      ...(scopes && { scopes }),
    });
  };
  registerClient(sim.clientId);
  const provider = (overrides: Partial<ServiceTokenProviderOptions> = {}): ServiceTokenProvider =>
    createServiceTokenProvider({
      clientId: sim.clientId,
      tokenUrl: sim.endpoints.token,
      deploymentId: sim.deploymentId,
      signer: testSigningKey,
      userAgent: UA,
      allowPrivateHosts: LOCAL,
      ...overrides,
    });
  const client: Harness['client'] = (overrides = {}) => {
    const { provider: providerOverrides, ...clientOverrides } = overrides;
    const tokens = clientOverrides.tokens ?? provider(providerOverrides);
    const ags = createAgsClient({ grantedScopes: ALL_AGS, userAgent: UA, allowPrivateHosts: LOCAL, ...clientOverrides, tokens });
    return { ags, tokens };
  };
  return { sim, registerClient, provider, client };
}

export function score(userId: string, overrides: Record<string, unknown> = {}) {
  return {
    userId,
    scoreGiven: 8,
    scoreMaximum: 10,
    activityProgress: 'Completed' as const,
    gradingProgress: 'FullyGraded' as const,
    ...overrides,
  };
}
