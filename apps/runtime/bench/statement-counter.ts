// A counting TCP proxy in front of PostgreSQL: the runtime connects through it, and it counts
// what the runtime asks of the server — statements (simple Query or extended-protocol
// Execute) and round trips (Query or Sync: each waits for the server's answer). It reads the
// client→server stream only, shares nothing with the runtime, and forwards every byte as is.
import { createConnection, createServer, type Socket } from 'node:net';

export interface StatementCounter {
  url: string;
  counts(): { statements: number; roundTrips: number };
  close(): Promise<void>;
}

export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  let statements = 0;
  let roundTrips = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(client).add(upstream);
    let buf: Buffer = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (!started) {
          // Startup (or SSL request) message: no type byte, int32 length first.
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code !== 80877103) started = true; // not SSLRequest: the real startup
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const type = buf[0];
        if (type === 0x51 /* Q */) {
          statements++;
          roundTrips++;
        } else if (type === 0x45 /* E */) statements++;
        else if (type === 0x53 /* S */) roundTrips++;
        buf = buf.subarray(len + 1);
      }
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    counts: () => ({ statements, roundTrips }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
