// Where to send an admin after sign-in: the `next` they were headed to, only if it stays on
// the dashboard's own origin.

// Browsers read `\` as `/` and drop tabs and newlines inside URLs, so `/\evil.example` and
// `/<TAB>/evil.example` become `//evil.example` — another site. Refused raw or percent-encoded.
const ENCODED_UNSAFE = /%5c|%0[0-9a-f]|%1[0-9a-f]|%7f/i;
const unsafe = (s: string) => ENCODED_UNSAFE.test(s) || [...s].some((ch) => ch === '\\' || (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f');

/** `next` as a path on `origin` (path, query, fragment), or `/` when it would leave it. */
export function safeNextPath(next: string | null | undefined, origin: string): string {
  if (!next?.startsWith('/') || unsafe(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(origin).origin) return '/';
  // Dot segments can normalise to a leading `//` (`/.//evil.example`): a path that is one.
  if (url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
