/** Small Response helpers shared by the route modules. */

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function typedJson(status: number, mediaType: string, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': mediaType, 'cache-control': 'no-store', ...headers },
  });
}

export function html(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function oauthError(status: number, error: string, description: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { error, error_description: description, ...extra });
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined | null): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Insert a path segment before the query string of a URL (`…/lineitem?type_id=1` → `…/lineitem/scores?type_id=1`). */
export function appendPath(url: string, segment: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/${segment}`;
  return u.toString();
}
