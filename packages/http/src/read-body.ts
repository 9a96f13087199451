// Bounded reading of a response body: a hostile or broken server must not be able to make
// the process buffer an unbounded answer.

export interface BodyRead {
  bytes: Uint8Array;
  /** The body went past the cap: `bytes` holds only its first `max` bytes. */
  truncated: boolean;
}

/** Reads at most `max` bytes, then cancels the stream. */
export async function readBody(body: ReadableStream<Uint8Array> | null, max: number): Promise<BodyRead> {
  if (body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > max) {
      chunks.push(value.subarray(0, max - total));
      total = max;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, truncated };
}

export async function discardBody(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}
