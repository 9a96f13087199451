import { afterEach } from 'vitest';
import { type LmsSim, startLmsSim } from '../src/index.js';
import type { LmsSimOptions } from '../src/types.js';
import { type FakeTool, startFakeTool } from './fake-tool.js';

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** A sim and a fake tool registered with it (default client id / deployment). */
export async function setup(opts: LmsSimOptions = {}): Promise<{ sim: LmsSim; tool: FakeTool }> {
  const sim = await startLmsSim(opts);
  const tool = await startFakeTool();
  open.push(sim, tool);
  tool.authEndpoint = sim.endpoints.auth;
  sim.registerTool({ loginUrl: tool.loginUrl, redirectUris: [tool.launchUrl], jwksUrl: tool.jwksUrl });
  return { sim, tool };
}

/** Walk login → /auth manually and return the /auth response. */
export async function loginAndAuth(sim: LmsSim, spec: Parameters<LmsSim['loginInitiation']>[0] = {}): Promise<{ login: Response; authUrl: string; auth: Response; body: string }> {
  const init = sim.loginInitiation(spec);
  const login = await fetch(init.url, { redirect: 'manual' });
  const authUrl = login.headers.get('location');
  if (!authUrl) throw new Error(`login did not redirect (${login.status})`);
  const auth = await fetch(authUrl);
  return { login, authUrl, auth, body: await auth.text() };
}
