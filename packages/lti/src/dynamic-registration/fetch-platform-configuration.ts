// Step 2: download the platform's OpenID configuration and validate it.
import { DEFAULT_CONFIG_TIMEOUT_MS, DEFAULT_MAX_CONFIG_BYTES, MAX_CONFIG_REDIRECTS } from './constants.js';
import { PLATFORM_BODY_MAX_BYTES, RegistrationError } from './errors.js';
import { describeNetworkError, isAbort, readErrorBody, readTextLimited } from './http.js';
import { assertSecureUrl } from './urls.js';
import { validatePlatformConfiguration, type PlatformConfiguration } from './validate-platform-configuration.js';

export interface FetchPlatformConfigurationOptions {
  /** Sent as `Authorization: Bearer` (Canvas requires it on this GET; others ignore it). */
  registrationToken?: string;
  /** Canvas refuses requests without a User-Agent. */
  userAgent: string;
  fetch?: typeof fetch;
  /** Whole exchange, redirects and body included. Default 5000. */
  timeoutMs?: number;
  /** Default 256 KiB. */
  maxBytes?: number;
  allowInsecureHosts?: string[];
}

export async function fetchPlatformConfiguration(url: URL, opts: FetchPlatformConfigurationOptions): Promise<PlatformConfiguration> {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONFIG_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  // Checked here as well as at initiation: callers may skip parseRegistrationInitiation.
  assertSecureUrl(url, opts.allowInsecureHosts, 'openid_configuration');

  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': opts.userAgent };
  if (opts.registrationToken) headers.authorization = `Bearer ${opts.registrationToken}`;

  const signal = AbortSignal.timeout(timeoutMs);
  const unreachable = (message: string, extra: { status?: number; platformBody?: string; cause?: unknown } = {}) =>
    new RegistrationError('config_unreachable', `OpenID configuration ${url.href}: ${message}`, extra);

  let current = url;
  let res: Response;
  let text: string;
  try {
    for (let redirects = 0; ; redirects++) {
      // Redirects are followed by hand: fetch would carry the Bearer token to any host.
      res = await doFetch(current, { method: 'GET', headers, redirect: 'manual', signal });
      if (res.status < 300 || res.status >= 400 || res.status === 304) break;

      await res.body?.cancel().catch(() => undefined);
      if (redirects >= MAX_CONFIG_REDIRECTS) throw unreachable(`more than ${MAX_CONFIG_REDIRECTS} redirects`, { status: res.status });
      const location = res.headers.get('location');
      if (!location) throw unreachable(`HTTP ${res.status} without a Location header`, { status: res.status });
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw unreachable(`HTTP ${res.status} to an invalid Location`, { status: res.status });
      }
      if (next.host !== url.host) {
        throw unreachable(`redirected to another host (${next.host}); only same-host redirects are followed`, { status: res.status });
      }
      assertSecureUrl(next, opts.allowInsecureHosts, 'openid_configuration'); // no https → http downgrade
      current = next;
    }

    if (res.status < 200 || res.status >= 300) {
      const platformBody = await readErrorBody(res, PLATFORM_BODY_MAX_BYTES * 4);
      throw unreachable(`HTTP ${res.status}`, { status: res.status, platformBody });
    }
    const body = await readTextLimited(res, maxBytes);
    if (!body.ok) throw unreachable(`answer larger than ${maxBytes} bytes`, { status: res.status });
    text = body.text;
  } catch (err) {
    if (err instanceof RegistrationError) throw err;
    if (isAbort(err, signal)) throw unreachable(`no complete answer within ${timeoutMs} ms`, { cause: err });
    throw unreachable(`request failed (${describeNetworkError(err)})`, { cause: err });
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RegistrationError('config_invalid', `OpenID configuration ${url.href} is not JSON`, {
      status: res.status,
      platformBody: text,
    });
  }
  return validatePlatformConfiguration(json, { configurationUrl: current, allowInsecureHosts: opts.allowInsecureHosts ?? [] });
}
