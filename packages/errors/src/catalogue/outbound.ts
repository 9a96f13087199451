// Outbound calls to an LMS: the HTTP client's own failures and the service-token grant. Callers
// (keysets, registration, AGS, NRPS) usually give these their own codes; the words here are
// for the ones that surface as they are.
import { ASK_ADMIN, type CatalogueSlice } from './entry.js';

const UNREACHABLE = `We could not reach your learning platform just now. ${ASK_ADMIN}`;

export const outboundEntries: CatalogueSlice = {
  http_invalid_url: {
    status: 400,
    learner: UNREACHABLE,
    admin: 'A URL Tether was given for the LMS (keyset, token, registration or service endpoint) is not an absolute http(s) URL, so nothing was sent.',
    fix: 'Correct the URL in the connection settings (or in the LMS, for URLs it sends with each launch).',
  },
  http_timeout: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS did not answer completely within the time Tether allows.',
    fix: 'Check that the LMS is up and reachable from the runtime; if it is only slow, try again later.',
  },
  http_network: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS could not be reached: connection refused or reset, unknown host, or a TLS failure.',
    fix: 'Check the host name in the URL, the LMS’s certificate, and that the runtime can reach the LMS (firewall, proxy, DNS).',
  },
  http_too_large: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS answered with more data than Tether accepts for this request — usually a page instead of the expected JSON.',
    fix: 'Check that the URL points at the LMS’s API endpoint, not at a web page.',
  },
  http_redirect_refused: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS answered with a redirect Tether does not follow (to another host, too many, or without a location).',
    fix: 'Configure the final URL (the one the redirect points to) instead.',
  },
  http_address_refused: {
    status: 400,
    learner: UNREACHABLE,
    admin: 'A URL Tether was given for the LMS points to a loopback, private, link-local or otherwise internal network address, so Tether did not contact it.',
    fix: 'Use the LMS’s public https URL. For a local test LMS only, list its host (or host:port) in the runtime’s TETHER_DEV_INSECURE_HOSTS.',
  },
  service_token_rejected: {
    status: 502,
    learner: UNREACHABLE,
    admin: "The LMS token endpoint refused the tool's client assertion or the scopes it asked for.",
    fix: "Check the platform's client ID, token URL and token audience in Tether, that the LMS has the tool's current JWKS URL, and that the services (grades, roster) are enabled for the tool.",
  },
  service_token_unavailable: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS token endpoint was unreachable or answered 5xx/429.',
    fix: 'Check that the LMS is up and reachable from Tether; Tether tries again later.',
  },
  service_token_invalid: {
    status: 502,
    learner: UNREACHABLE,
    admin: 'The LMS token endpoint answered without a usable Bearer access token.',
    fix: 'Check the token URL of the connection: it must be the LMS’s OAuth2 token endpoint.',
  },
};
