// ltijs (with ltijs-sequelize on PostgreSQL) as the benchmark's reference tool, in its own
// process: the same lms-sim drives it through the same four hops, so the two tools' CPU per
// launch are compared in one run. Configured from the environment by launch.bench.ts; prints
// "listening" once its platform is registered.

import { Provider } from 'ltijs';
import Database from 'ltijs-sequelize';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`ltijs-tool: ${name} is not set`);
  return v;
};
const db = new URL(env('LTIJS_DATABASE_URL'));
const plugin = new Database(db.pathname.slice(1), decodeURIComponent(db.username), decodeURIComponent(db.password), {
  host: db.hostname,
  port: Number(db.port || 5432),
  dialect: 'postgres',
  logging: false,
});
Provider.setup(
  'bench-ltijs-encryption-key',
  { plugin },
  {
    appRoute: '/',
    loginRoute: '/login',
    keysetRoute: '/keys',
    // Plain http on loopback: no Secure cookies; devMode lets the ltik work without the cookie the browser would keep.
    cookies: { secure: false, sameSite: '' },
    devMode: true,
  },
);
Provider.onConnect((_token: unknown, _req: unknown, res: { send(body: string): void }) => res.send('<!doctype html><title>Scenario</title><p>Landed'));
await Provider.deploy({ port: Number(env('LTIJS_PORT')), silent: true });
await Provider.registerPlatform({
  url: env('LTIJS_ISSUER'),
  name: 'lms-sim',
  clientId: env('LTIJS_CLIENT_ID'),
  authenticationEndpoint: env('LTIJS_AUTH_URL'),
  accesstokenEndpoint: env('LTIJS_TOKEN_URL'),
  authConfig: { method: 'JWK_SET', key: env('LTIJS_JWKS_URL') },
});
process.stdout.write('listening\n');
