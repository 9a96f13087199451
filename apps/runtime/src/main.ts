// `pnpm --filter @tether/runtime start` (or `pnpm start` at the root, through `tether up`).
import { toolEndpoints } from '@tether/lti';
import { loadConfig } from './config.js';
import { startRuntime } from './server.js';

const config = loadConfig();
const runtime = await startRuntime(config).catch((e: Error) => {
  process.stderr.write(`tether-runtime: ${e.message}\n`);
  process.exit(1);
});
const e = toolEndpoints(config.PUBLIC_URL);
process.stdout.write(
  [
    `Tether runtime listening on ${runtime.url} (public URL ${config.PUBLIC_URL})`,
    `  OIDC login initiation  ${e.login}`,
    `  Launch (redirect URI)  ${e.launch}`,
    `  JWKS                   ${e.jwks}`,
    `  OpenID configuration   ${e.openidConfiguration}`,
    `  Grades API             ${config.PUBLIC_URL}/api/v1/grades (grade worker ${config.GRADE_WORKER === 'on' ? `on, concurrency ${config.GRADE_WORKER_CONCURRENCY}` : 'off'})`,
    '',
  ].join('\n'),
);
const stop = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
