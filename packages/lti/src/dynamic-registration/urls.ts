// URL policy shared by every step: https, except for hosts on an explicit dev allow-list.
import { isHostAllowed } from '@tether/http';
import { RegistrationError } from './errors.js';

/** Parse an absolute http(s) URL; undefined when it is not one. */
export function parseHttpUrl(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url;
}

/**
 * An allow-list entry matches the URL's hostname (any port) or `hostname:port`. The same list
 * lets the host past the HTTP client's address guard, so the one matcher is the client's.
 */
export function isInsecureHostAllowed(url: URL, allowInsecureHosts: readonly string[] = []): boolean {
  return isHostAllowed(url, allowInsecureHosts);
}

/** Throws `insecure_url` unless the URL is https or its host is allow-listed. */
export function assertSecureUrl(url: URL, allowInsecureHosts: readonly string[] | undefined, field?: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isInsecureHostAllowed(url, allowInsecureHosts)) return;
  const what = field ? `${field} (${url.href})` : url.href;
  throw new RegistrationError('insecure_url', `${what} is not https and its host is not on the dev allow-list`, field === undefined ? {} : { field });
}
