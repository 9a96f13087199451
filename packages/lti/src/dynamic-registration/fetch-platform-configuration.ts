// Step 2: download the platform's OpenID configuration and validate it.
import { type HttpError, type HttpResponse, isHttpError, send } from '@tether/http';
import { DEFAULT_CONFIG_TIMEOUT_MS, DEFAULT_MAX_CONFIG_BYTES, MAX_CONFIG_REDIRECTS } from './constants.js';
import { PLATFORM_BODY_MAX_BYTES, RegistrationError } from './errors.js';
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
      maxErrorBytes: PLATFORM_BODY_MAX_BYTES * 4,
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
    if (isHttpError(err)) throw unreachable(url, configFetchProblem(err, timeoutMs, maxBytes), err);
    throw err;
  }
  if (!res.ok) throw unreachable(url, { message: `HTTP ${res.status}`, status: res.status, platformBody: res.text });

  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new RegistrationError('config_invalid', `OpenID configuration ${url.href} is not JSON`, {
      status: res.status,
      platformBody: res.text,
    });
  }
  return validatePlatformConfiguration(json, { configurationUrl: new URL(res.url), allowInsecureHosts: opts.allowInsecureHosts ?? [] });
}

interface Problem {
  message: string;
  status?: number;
  platformBody?: string;
}

function unreachable(url: URL, problem: Problem, cause?: unknown): RegistrationError {
  const { message, ...rest } = problem;
  return new RegistrationError('config_unreachable', `OpenID configuration ${url.href}: ${message}`, {
    ...rest,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** What went wrong with the exchange itself, worded for the admin. */
function configFetchProblem(err: HttpError, timeoutMs: number, maxBytes: number): Problem {
  const status = err.status === undefined ? {} : { status: err.status };
  switch (err.code) {
    case 'http_timeout':
      return { message: `no complete answer within ${timeoutMs} ms` };
    case 'http_too_large':
      return { message: `answer larger than ${maxBytes} bytes`, ...status };
    case 'http_redirect_refused': {
      if (err.reason === 'too_many') return { message: `more than ${MAX_CONFIG_REDIRECTS} redirects`, ...status };
      if (err.reason === 'no_location') return { message: `HTTP ${err.status} without a Location header`, ...status };
      if (err.reason === 'invalid_location') return { message: `HTTP ${err.status} to an invalid Location`, ...status };
      const location = String(err.details.location ?? '');
      const host = URL.canParse(location) ? new URL(location).host : location;
      return { message: `redirected to another host (${host}); only same-host redirects are followed`, ...status };
    }
    case 'http_network':
    case 'http_invalid_url':
      return { message: `request failed (${String(err.details.error ?? err.message)})` };
  }
}
