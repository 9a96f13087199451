/**
 * The scores/results URL of a line item: the segment goes into the *path*, before any query
 * string. Moodle line items look like `…/lineitems/10/lineitem?type_id=1`; appending
 * `/scores` to the whole string gives `…?type_id=1/scores`, which 404s or 400s.
 */
export function lineItemServiceUrl(lineItemUrl: string, segment: 'scores' | 'results'): string {
  const u = parseHttpUrl(lineItemUrl, 'lineItemUrl');
  u.hash = '';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${segment}`;
  return u.toString();
}

/** Adds query parameters, keeping the ones already in the URL (Moodle's `type_id`). */
export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const u = parseHttpUrl(url, 'url');
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) u.searchParams.set(k, String(v));
  }
  return u.toString();
}

export function parseHttpUrl(value: string, name: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`${name} is not an absolute URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError(`${name} must be an http(s) URL`);
  return u;
}
