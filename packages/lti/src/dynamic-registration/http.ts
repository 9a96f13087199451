// Bounded reading of HTTP answers from the platform: a hostile or broken LMS must not be able
// to make the runtime buffer an unbounded body.

export type LimitedBody = { ok: true; text: string } | { ok: false; reason: 'too_large' };

/** Read the body as UTF-8 text, giving up (and cancelling the stream) past `maxBytes`. */
export async function readTextLimited(res: Response, maxBytes: number): Promise<LimitedBody> {
  // Cheap early refusal when the server announces the size; the stream check below still runs
  // because Content-Length can be absent (chunked) or wrong.
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: false, reason: 'too_large' };
  }
  if (!res.body) return { ok: true, text: '' };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'too_large' };
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(all) };
}

/** Best-effort body text for error reports (already bounded by the caller's limit). */
export async function readErrorBody(res: Response, maxBytes: number): Promise<string> {
  try {
    const body = await readTextLimited(res, maxBytes);
    return body.ok ? body.text : `(body larger than ${maxBytes} bytes)`;
  } catch {
    return '';
  }
}

/** True when the failure came from our own abort signal (the timeout). */
export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err.message;
}
