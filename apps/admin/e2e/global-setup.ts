// Starts the whole product for the browser tests: a database (embedded, or a throwaway one
// on TETHER_TEST_DATABASE_URL), lms-sim, the runtime and the built dashboard — each its own
// process, as in production — and seeds a workspace with an admin and a scenario.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth, createWorkspaceAdmin, deriveAuthSecret } from '@tether/auth';
import { createScenario, createWorkspace } from '@tether/db';
import { createTestDatabase } from '@tether/db/testing';
import { freePort } from '@tether/http/testing';

const root = join(import.meta.dirname, '../../..');
const SECRET = 'e2e-secret-'.padEnd(48, 'x');
export const ADMIN = { email: 'ada@acme.test', password: 'correct horse battery staple' };

function start(name: string, args: string[], env: Record<string, string>, ready: RegExp, cwd = root): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (ready.test(log)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}):\n${log}`)));
    setTimeout(() => reject(new Error(`${name} did not start in time:\n${log}`)), 60_000);
  });
}

export default async function globalSetup() {
  const t = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'tether-e2e-'));
  const [simPort, runtimePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const simUrl = `http://127.0.0.1:${simPort}`;
  const runtimeUrl = `http://127.0.0.1:${runtimePort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;

  const ws = await createWorkspace(t.db, { slug: 'acme', name: 'Acme Training' });
  await createScenario(t.db, { workspace_id: ws.id, slug: 'fire-drill', title: 'Fire drill', description: 'Evacuate the building safely.' });
  const auth = createAuth({ db: t.db, secret: deriveAuthSecret(new TextEncoder().encode(SECRET)), baseURL: adminUrl });
  await createWorkspaceAdmin(auth, t.db, { workspaceId: ws.id, email: ADMIN.email, password: ADMIN.password, name: 'Ada Lovelace' });
  // A plain Member with a password, to check the "admins only" page.
  const member = await createWorkspaceAdmin(auth, t.db, { workspaceId: ws.id, email: 'max@acme.test', password: 'another long password', name: 'Max Member' });
  await t.db.updateTable('memberships').set({ role: 'member' }).where('user_id', '=', member.userId).execute();

  const common = { DATABASE_URL: t.url, TETHER_SECRET: SECRET, TETHER_DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  const children: ChildProcess[] = [];
  children.push(
    await start(
      'lms-sim',
      [
        '--import',
        'tsx',
        'packages/lms-sim/src/cli.ts',
        '--port',
        String(simPort),
        '--client-id',
        'e2e-client',
        '--deployment-id',
        'e2e-deployment',
        '--tool-login-url',
        `${runtimeUrl}/lti/login`,
        '--tool-redirect-uri',
        `${runtimeUrl}/lti/launch`,
        '--tool-jwks-url',
        `${runtimeUrl}/.well-known/jwks.json`,
        '--tool-target-link-uri',
        `${runtimeUrl}/lti/launch`,
      ],
      {},
      /http:\/\/127\.0\.0\.1/i,
    ),
  );
  children.push(
    await start(
      'runtime',
      ['--import', 'tsx', 'apps/runtime/src/main.ts'],
      { ...common, PORT: String(runtimePort), HOST: '127.0.0.1', PUBLIC_URL: runtimeUrl, TETHER_DEV_INSECURE_HOSTS: `127.0.0.1:${simPort}` },
      /listening/,
    ),
  );
  children.push(
    await start(
      'admin',
      ['build/index.js'],
      // The dashboard's "Test connection" reaches the sim on 127.0.0.1 only through this allow-list.
      { ...common, PORT: String(adminPort), HOST: '127.0.0.1', ORIGIN: adminUrl, PUBLIC_URL: runtimeUrl, TETHER_DEV_INSECURE_HOSTS: `127.0.0.1:${simPort}` },
      /Listening/,
      join(root, 'apps/admin'),
    ),
  );
  Object.assign(process.env, { ADMIN_URL: adminUrl, RUNTIME_URL: runtimeUrl, SIM_URL: simUrl, E2E_DATABASE_URL: t.url });

  return async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await t.close();
  };
}
