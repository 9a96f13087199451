/**
 * A URL as it may appear in an error: scheme, host and path only. Queries carry tokens and
 * signatures often enough (`?access_token=`, pre-signed URLs) that they never go into errors.
 */
export function safeUrl(url: URL | string): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    const cut = String(url).split(/[?#]/, 1)[0] ?? '';
    return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
  }
  return `${parsed.origin}${parsed.pathname}`;
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err.message;
}
