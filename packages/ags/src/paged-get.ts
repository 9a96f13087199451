import { type LinkTarget, parseJsonBody as parseJson, parseLinkHeader } from '@tether/http';
import { AgsError } from './errors.js';
import { type ServiceCall, type ServiceContext, serviceRequest } from './service-request.js';

/**
 * GETs a container and every page after it (`Link: <…>; rel="next"`) until there is no next.
 * Never returns a silently partial list: a page cap reached, a loop, or a next link to
 * another origin (it would receive our bearer token) is an error.
 */
export async function pagedGet<T>(
  ctx: ServiceContext,
  call: Omit<ServiceCall, 'method' | 'url'>,
  firstUrl: string,
  parseItem: (value: unknown, url: string) => T,
  maxPages: number,
): Promise<T[]> {
  const origin = new URL(firstUrl).origin;
  const seen = new Set<string>();
  const items: T[] = [];
  let url: string | undefined = firstUrl;
  while (url !== undefined) {
    if (seen.has(url)) {
      throw new AgsError('ags_invalid_response', 'Paging loops: a rel="next" link points to a page already read', {
        details: { url, pages: seen.size },
      });
    }
    if (seen.size >= maxPages) {
      throw new AgsError('ags_invalid_response', `More than ${maxPages} pages; refusing to return a partial list`, {
        details: { url: firstUrl, maxPages },
      });
    }
    seen.add(url);
    const res = await serviceRequest(ctx, { ...call, method: 'GET', url });
    const body = parseJson(res.text);
    if (!Array.isArray(body)) {
      throw new AgsError('ags_invalid_response', `${url} did not answer a JSON array`, { status: res.status, details: { url } });
    }
    const pageUrl: string = url;
    for (const item of body) items.push(parseItem(item, pageUrl));

    const nextLink: LinkTarget | undefined = parseLinkHeader(res.headers.get('link'), url).next;
    // A broken next link is an error, never "no next page": that would be a silently partial list.
    if (nextLink !== undefined && nextLink.href === null) {
      throw new AgsError('ags_invalid_response', 'A rel="next" link is not a valid URL', { details: { url, next: nextLink.target } });
    }
    const next: string | undefined = nextLink?.href ?? undefined;
    if (next !== undefined && new URL(next).origin !== origin) {
      throw new AgsError('ags_invalid_response', 'A rel="next" link points to another origin; not followed', {
        details: { url, next },
      });
    }
    url = next;
  }
  return items;
}
