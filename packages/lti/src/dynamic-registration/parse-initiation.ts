// Step 1: the LMS opens the tool's registration URL with `openid_configuration` (required) and
// `registration_token` (optional). Read and check both before any outbound request is made.
import { RegistrationError } from './errors.js';
import { assertSecureUrl, parseHttpUrl } from './urls.js';

export interface RegistrationInitiation {
  openidConfigurationUrl: URL;
  registrationToken?: string;
}

export interface ParseRegistrationInitiationOptions {
  /** Hosts (`hostname` or `hostname:port`) allowed over plain http — local test LMSes only. */
  allowInsecureHosts?: string[];
}

export function parseRegistrationInitiation(query: URLSearchParams | Record<string, string | undefined>, opts: ParseRegistrationInitiationOptions = {}): RegistrationInitiation {
  const get = (name: string): string | undefined => (query instanceof URLSearchParams ? (query.get(name) ?? undefined) : query[name]);

  const rawConfig = get('openid_configuration')?.trim();
  if (!rawConfig) {
    throw new RegistrationError('registration_request_invalid', 'openid_configuration is missing', { field: 'openid_configuration' });
  }
  const openidConfigurationUrl = parseHttpUrl(rawConfig);
  if (!openidConfigurationUrl) {
    throw new RegistrationError('registration_request_invalid', 'openid_configuration is not an absolute http(s) URL', {
      field: 'openid_configuration',
    });
  }
  // Credentials in the URL would be sent to the LMS and end up in logs; no platform does this.
  if (openidConfigurationUrl.username || openidConfigurationUrl.password) {
    throw new RegistrationError('registration_request_invalid', 'openid_configuration must not carry credentials', {
      field: 'openid_configuration',
    });
  }
  assertSecureUrl(openidConfigurationUrl, opts.allowInsecureHosts, 'openid_configuration');

  const registrationToken = decodeRegistrationToken(get('registration_token'));
  return registrationToken === undefined ? { openidConfigurationUrl } : { openidConfigurationUrl, registrationToken };
}

/**
 * The query string was decoded once already. Blackboard percent-encodes the token twice, so a
 * `%XX` left over means one more decode — but only when that decode succeeds and changes
 * something, so a token that merely contains `%` survives intact.
 */
export function decodeRegistrationToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/%[0-9A-Fa-f]{2}/.test(value)) return value;
  let once: string;
  try {
    once = decodeURIComponent(value);
  } catch {
    return value; // malformed sequence (`%E0%A4%A`): not an encoding, keep the token as sent
  }
  return once !== value ? once : value;
}
