/** Serve the simulator on a port with @hono/node-server. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createLmsSimApp, type LmsSimulator } from './sim.js';
import type { LmsSimOptions } from './types.js';

export interface LmsSim extends LmsSimulator {
  /** The port the sim listens on. */
  readonly port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Start the simulator on `port` (0 = random) and `host` (default 127.0.0.1). */
export async function startLmsSim(options: LmsSimOptions = {}): Promise<LmsSim> {
  const host = options.host ?? '127.0.0.1';
  let handler: ((req: Request) => Response | Promise<Response>) | undefined;
  const server = createAdaptorServer({
    fetch: (req: Request) => (handler ? handler(req) : new Response('starting', { status: 503 })),
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const sim = await createLmsSimApp({ ...options, baseUrl: options.publicUrl ?? `http://${hostForUrl}:${port}` });
  handler = (req) => sim.app.fetch(req);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return Object.assign(sim, { port, close });
}
