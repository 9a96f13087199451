/**
 * Harness for the service connector: a tool JWKS served over real HTTP, an lms-sim with the
 * tool registered, and a signer holding the tool's key.
 */
import { closeAfterEach, startJwksServer, startServer as startTestServer, type TestRequestHandler, type TestServer, testSigningKey } from '@tether/http/testing';
import { type LmsSim, type LmsSimOptions, startLmsSim } from '@tether/lms-sim';
import { afterEach } from 'vitest';
import { createServiceTokenProvider, type ServiceTokenProvider, type ServiceTokenProviderOptions } from '../src/index.js';

// `signer`: the tool's signing key, as `ServiceTokenProviderOptions.signer` wants it.
export { rejection, rewriteJson, tapFetch, testSigningKey as signer } from '@tether/http/testing';

export const UA = 'tether-service-test/1.0 (+https://tether.example)';
// Test platforms run on 127.0.0.1 (or a fake host behind an injected fetch): allowed by name, past the address guard.
export const LOCAL = ['127.0.0.1', 'localhost', 'lms.example'];
export const SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const LINE_ITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
export const RESULTS = 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly';

// Every server and sim a test starts is closed after it.
const open = closeAfterEach(afterEach);
export const startServer = async (handler: TestRequestHandler): Promise<TestServer> => open.track(await startTestServer(handler));

export interface Harness {
  sim: LmsSim;
  registerClient(clientId: string, scopes?: string[]): void;
  provider(overrides?: Partial<ServiceTokenProviderOptions>): ServiceTokenProvider;
}

export async function setup(opts: LmsSimOptions = {}): Promise<Harness> {
  const sim = open.track(await startLmsSim(opts));
  const tool = open.track(await startJwksServer([(await testSigningKey()).publicJwk]));
  const registerClient = (clientId: string, scopes?: string[]): void => {
    sim.registerTool({ clientId, loginUrl: `${tool.url}/login`, redirectUris: [`${tool.url}/launch`], jwksUrl: tool.jwksUrl, ...(scopes && { scopes }) });
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
  return { sim, registerClient, provider };
}
