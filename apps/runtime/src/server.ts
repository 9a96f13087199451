// Starting the runtime on a port (used by main.ts, the tests and the benchmark).

import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { RuntimeConfig } from './config.js';
import { type CreateDepsOptions, createDeps, type RuntimeDeps } from './deps.js';

export interface RunningRuntime {
  url: string;
  port: number;
  deps: RuntimeDeps;
  close(): Promise<void>;
}

export async function startRuntime(config: RuntimeConfig, opts: CreateDepsOptions = {}): Promise<RunningRuntime> {
  const deps = await createDeps(config, opts);
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`,
    port,
    deps,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await deps.close();
    },
  };
}
