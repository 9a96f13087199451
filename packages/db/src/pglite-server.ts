// Serves one PGlite over the Postgres wire protocol to many connections.
//
// PGlite is a single backend session, so connections must take turns. pglite-socket's own
// queue hands the session over between *messages*, which interleaves two clients'
// extended-protocol batches (Parse/Bind/Execute/Sync) and silently swaps their results,
// and a single failing message stalls its queue for good (electric-sql/pglite#1046, open).
// Tether's launches run many concurrent parameterised queries, so we keep pglite-socket's
// connection handling (PGLiteSocketHandler) and give it a queue that hands the session
// over only at protocol boundaries: after Sync or a simple Query, and never inside a
// transaction.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

interface Item {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (e: unknown) => void;
}

/** The queue PGLiteSocketHandler calls (same shape as pglite-socket's internal one). */
class SessionQueue {
  #queue: Item[] = [];
  #owner: number | null = null;
  #running = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ handlerId, message, onData, resolve, reject });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const i = this.#owner === null ? (this.#queue.length ? 0 : -1) : this.#queue.findIndex((q) => q.handlerId === this.#owner);
        if (i < 0) return; // empty, or the owner's next message has not arrived yet
        const item = this.#queue.splice(i, 1)[0]!;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (d: Uint8Array) => {
                bytes += d.length;
                item.onData(d);
              },
            }),
          );
          item.resolve(bytes);
        } catch (e) {
          item.reject(e);
        }
        const type = item.message[0];
        const boundary = type === SYNC || type === QUERY || type === TERMINATE || (item.message.length >= 8 && type === 0);
        this.#owner = boundary && !this.db.isInTransaction() ? null : item.handlerId;
      }
    } finally {
      this.#running = false;
    }
  }

  clearQueueForHandler(handlerId: number): void {
    this.#queue = this.#queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error('connection closed'));
      return false;
    });
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.#owner !== handlerId) return;
    // The owner went away mid-batch or mid-transaction: roll back and free the session.
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
    this.#owner = null;
    void this.#drain();
  }

  getQueueLength(): number {
    return this.#queue.length;
  }
}

export class PgliteWireServer {
  #server: Server | undefined;
  #handlers = new Set<PGLiteSocketHandler>();
  #queue: SessionQueue;

  constructor(private readonly db: PGlite) {
    this.#queue = new SessionQueue(db);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await this.db.waitReady;
    this.#server = createServer((socket: Socket) => {
      const handler = new PGLiteSocketHandler({ queryQueue: this.#queue as never, closeOnDetach: true });
      this.#handlers.add(handler);
      const forget = () => this.#handlers.delete(handler);
      handler.addEventListener('close', forget);
      handler.addEventListener('error', forget);
      handler.attach(socket).catch(() => socket.destroy());
    });
    return new Promise((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, host, () => resolve((this.#server!.address() as { port: number }).port));
    });
  }

  async close(): Promise<void> {
    for (const h of this.#handlers) await h.detach(true).catch(() => undefined);
    this.#handlers.clear();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
