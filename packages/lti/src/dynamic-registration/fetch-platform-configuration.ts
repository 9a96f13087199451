// Step 2: download the platform's OpenID configuration and validate it.
import { type HttpError, type HttpResponse, isHttpError, send } from '@tether/http';
import { DEFAULT_CONFIG_TIMEOUT_MS, DEFAULT_MAX_CONFIG_BYTES, MAX_CONFIG_REDIRECTS } from './constants.js';
import { RegistrationError } from './errors.js';
import { assertSecureUrl } from './urls.js';
import { type PlatformConfiguration, validatePlatformConfiguration } from './validate-platform-configuration.js';

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
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONFIG_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  // Checked here as well as at initiation: callers may skip parseRegistrationInitiation.
  assertSecureUrl(url, opts.allowInsecureHosts, 'openid_configuration');

  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.registrationToken) headers.authorization = `Bearer ${opts.registrationToken}`;

  let res: HttpResponse;
  try {
    res = await send({
      url,
      method: 'GET',
      headers,
      userAgent: opts.userAgent,
      timeoutMs,
      maxBytes,
      // The dev allow-list is also the only way past the address guard (local test LMSes).
      ...(opts.allowInsecureHosts === undefined ? {} : { allowPrivateHosts: opts.allowInsecureHosts }),
      // The Bearer token goes along on a redirect: only to the same host, never https → http.
      redirects: {
        max: MAX_CONFIG_REDIRECTS,
        follow: (to, first) => {
          if (to.host !== first.host) return false;
          assertSecureUrl(to, opts.allowInsecureHosts, 'openid_configuration');
          return true;
        },
      },
      ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }),
    });
  } catch (err) {
    if (isHttpError(err)) throw unreachable(configFetchProblem(err, maxBytes), err);
    throw err;
  }
  // The status only: the body of whatever answered is never repeated (it may not be an LMS).
  if (!res.ok) throw unreachable({ message: `the LMS configuration URL answered HTTP ${res.status}`, status: res.status });

  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new RegistrationError('config_invalid', 'the LMS configuration URL did not answer with JSON', { status: res.status });
  }
  return validatePlatformConfiguration(json, { configurationUrl: new URL(res.url), allowInsecureHosts: opts.allowInsecureHosts ?? [] });
}

interface Problem {
  message: string;
  status?: number;
}

function unreachable(problem: Problem, cause?: unknown): RegistrationError {
  const { message, ...rest } = problem;
  return new RegistrationError('config_unreachable', message, { ...rest, ...(cause === undefined ? {} : { cause }) });
}

/** What went wrong, in words for the admin on the page: the same words whatever the socket said. */
const CONFIG_NOT_READ = 'the LMS configuration URL could not be read';

/**
 * What went wrong with the exchange itself, worded for the admin. A refused connection, a
 * timeout, a TLS failure and an unknown host read the same: telling them apart would make the
 * registration page a port scanner. The HTTP error (kept as `cause`) has the detail for logs.
 */
function configFetchProblem(err: HttpError, maxBytes: number): Problem {
  const status = err.status === undefined ? {} : { status: err.status };
  switch (err.code) {
    case 'http_address_refused':
      return { message: `the LMS configuration URL points to a private or internal network address (${String(err.details.host ?? '')}); Tether does not contact such addresses` };
    case 'http_too_large':
      return { message: `the LMS configuration is larger than ${maxBytes} bytes`, ...status };
    case 'http_redirect_refused':
      if (err.reason === 'too_many') return { message: `the LMS configuration URL redirected more than ${MAX_CONFIG_REDIRECTS} times`, ...status };
      if (err.reason === 'not_allowed') return { message: 'the LMS configuration URL redirected to another host; only same-host redirects are followed', ...status };
      return { message: 'the LMS configuration URL answered an unusable redirect', ...status };
    case 'http_timeout':
    case 'http_network':
    case 'http_invalid_url':
      return { message: CONFIG_NOT_READ };
  }
}
