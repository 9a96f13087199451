// Test harness: a runtime on a port (on a test database) and an lms-sim platform connected
// to it as a manual registration, with a scenario ready to launch.
import { createPlatform, createScenario, createWorkspace, type Platform } from '@tether/db';
import { createTestDatabase, type TestDatabase } from '@tether/db/testing';
import { type LmsSim, startLmsSim } from '@tether/lms-sim';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { type RunningRuntime, startRuntime } from '../src/server.js';

export interface Harness {
  t: TestDatabase;
  runtime: RunningRuntime;
  sim: LmsSim;
  platform: Platform;
  workspaceId: string;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    mode?: 'generic' | 'canvas' | 'moodle' | 'brightspace' | 'blackboard';
    policy?: 'strict' | 'learn';
    db?: TestDatabase;
    env?: Record<string, string>;
    pageSize?: number;
  } = {},
): Promise<Harness> {
  const t = opts.db ?? (await createTestDatabase());
  const sim = await startLmsSim({ mode: opts.mode ?? 'generic', ...(opts.pageSize ? { pageSize: opts.pageSize } : {}) });
  // The tool must know its public URL before it starts: take a free port first.
  const probe = await startRuntime(loadConfig({ PORT: '0', HOST: '127.0.0.1', TETHER_SECRET: 's'.repeat(40), LOG_LEVEL: 'silent' }), {
    db: t.db,
    logger: pino({ level: 'silent' }),
  });
  const port = probe.port;
  await probe.close();
  // lms-sim listens on 127.0.0.1: the outbound address guard lets it through only by name.
  const insecureHosts = ['127.0.0.1', 'localhost', opts.env?.TETHER_DEV_INSECURE_HOSTS].filter(Boolean).join(',');
  const runtime = await startRuntime(
    loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TETHER_SECRET: 's'.repeat(40),
      LOG_LEVEL: 'silent',
      ...opts.env,
      TETHER_DEV_INSECURE_HOSTS: insecureHosts,
    }),
    { db: t.db, logger: pino({ level: 'silent' }) },
  );
  const ws = await createWorkspace(t.db, { slug: `ws-${Math.random().toString(36).slice(2, 8)}`, name: 'Acme Training' });
  await createScenario(t.db, { workspace_id: ws.id, slug: 'fire-drill', title: 'Fire drill', description: 'Evacuate the building safely.' });
  const platform = await createPlatform(
    t.db,
    {
      workspace_id: ws.id,
      name: 'Sim LMS',
      issuer: sim.issuer,
      client_id: sim.clientId,
      auth_login_url: sim.endpoints.auth,
      token_url: sim.endpoints.token,
      jwks_url: sim.endpoints.jwks,
      registered_via: 'manual',
      deployment_policy: opts.policy ?? 'strict',
    },
    [sim.deploymentId],
    'manual',
  );
  sim.registerTool({
    loginUrl: `${runtime.url}/lti/login`,
    redirectUris: [`${runtime.url}/lti/launch`],
    jwksUrl: `${runtime.url}/.well-known/jwks.json`,
    targetLinkUri: `${runtime.url}/lti/launch`,
  });
  return {
    t,
    runtime,
    sim,
    platform,
    workspaceId: ws.id,
    async close() {
      await runtime.close();
      await sim.close();
      if (!opts.db) await t.close();
    },
  };
}
