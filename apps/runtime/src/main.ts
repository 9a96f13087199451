// `pnpm --filter @tether/runtime start` (or `pnpm start` at the root, through `tether up`).
// With RUNTIME_PROCESSES > 1 this process becomes the primary of a node:cluster: it starts the
// first worker alone (migrations, queue setup), then the rest, all sharing one port; each
// worker costs what one runtime process costs per launch.
import cluster from 'node:cluster';
import { toolEndpoints } from '@tether/lti';
import { loadConfig, type RuntimeConfig } from './config.js';
import { startRuntime } from './server.js';

function fatal(message: string): never {
  process.stderr.write(`tether-runtime: ${message}\n`);
  process.exit(1);
}

const config = (() => {
  try {
    return loadConfig();
  } catch (e) {
    return fatal((e as Error).message);
  }
})();

function banner(c: RuntimeConfig, url: string) {
  const e = toolEndpoints(c.PUBLIC_URL);
  process.stdout.write(
    [
      `Tether runtime listening on ${url} (public URL ${c.PUBLIC_URL})${c.RUNTIME_PROCESSES > 1 ? `, ${c.RUNTIME_PROCESSES} processes` : ''}`,
      `  OIDC login initiation  ${e.login}`,
      `  Launch (redirect URI)  ${e.launch}`,
      `  JWKS                   ${e.jwks}`,
      `  OpenID configuration   ${e.openidConfiguration}`,
      `  Grades API             ${c.PUBLIC_URL}/api/v1/grades (grade worker ${c.GRADE_WORKER === 'on' ? `on, concurrency ${c.GRADE_WORKER_CONCURRENCY}` : 'off'})`,
      '',
    ].join('\n'),
  );
}

if (config.RUNTIME_PROCESSES > 1 && cluster.isPrimary) {
  await runPrimary(config);
} else {
  const runtime = await startRuntime(config).catch((e: Error) => fatal(e.message));
  if (cluster.isWorker) process.send?.({ ready: runtime.url });
  else banner(config, runtime.url);
  const stop = async () => {
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

async function runPrimary(c: RuntimeConfig) {
  let stopping = false;
  const start = () =>
    new Promise<string>((resolve, reject) => {
      const w = cluster.fork();
      w.on('message', (m: { ready?: string }) => m.ready && resolve(m.ready));
      w.on('exit', (code) => {
        reject(new Error(`a runtime process exited with ${code} while starting`));
        // A worker that dies later is replaced; a stopping node lets them go.
        if (!stopping && code !== 0) setTimeout(() => void start().catch(() => undefined), 1000);
      });
    });
  // The first one alone: it migrates and creates the queues; the others find them ready.
  const url = await start().catch((e: Error) => fatal(e.message));
  await Promise.all(Array.from({ length: c.RUNTIME_PROCESSES - 1 }, start)).catch((e: Error) => fatal(e.message));
  banner(c, url);
  // Each worker closes its own server and pools; the primary leaves once all have exited.
  const stop = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
