// Dynamic registration and Tether's own one-time registration URL. The person in front of the
// registration page is the LMS admin who started it: `learner` is the page's headline.
import type { CatalogueSlice } from './entry.js';

const NOT_DONE = 'The LMS registration did not complete';

export const registrationEntries: CatalogueSlice = {
  registration_request_invalid: {
    status: 400,
    learner: `${NOT_DONE}: this page was opened without the LMS’s configuration link`,
    admin: 'The registration URL was opened without a usable openid_configuration parameter, so Tether cannot tell which LMS is registering it.',
    fix: 'Start the registration from the LMS (its "add tool by registration URL" screen) rather than opening the registration URL directly.',
  },
  insecure_url: {
    status: 400,
    learner: `${NOT_DONE}: the LMS is not served over https`,
    admin: 'The LMS configuration, or one of the endpoints it lists, uses plain http. Registration tokens and keys must not travel unencrypted.',
    fix: 'Serve the LMS over https. For a local test LMS only, list its host (or host:port) in the runtime’s TETHER_DEV_INSECURE_HOSTS, comma-separated — e.g. TETHER_DEV_INSECURE_HOSTS=127.0.0.1,localhost (what `pnpm start` sets outside production) — and restart the runtime.',
  },
  config_unreachable: {
    status: 502,
    learner: `${NOT_DONE}: Tether could not read the LMS configuration`,
    admin:
      'Tether could not download the LMS OpenID configuration: the URL could not be read (no answer, refused, or a TLS failure — deliberately not told apart), it answered an error status, redirected to another host, or sent an oversized answer; or it points to a private or internal network address, which Tether never contacts.',
    fix: 'Check that the LMS is reachable from the Tether runtime at a public https address and that the registration was started less than an hour ago (registration tokens expire); then start again from the LMS. A local test LMS must be listed (host or host:port, comma-separated) in the runtime’s TETHER_DEV_INSECURE_HOSTS, e.g. TETHER_DEV_INSECURE_HOSTS=127.0.0.1,localhost.',
  },
  config_invalid: {
    status: 502,
    learner: `${NOT_DONE}: the LMS configuration is incomplete`,
    admin: 'The LMS OpenID configuration is not valid JSON, or a required member is missing or malformed (the field is named in the details).',
    fix: 'Check the LMS version supports LTI Dynamic Registration 1.0; otherwise connect it with the manual form.',
  },
  issuer_mismatch: {
    status: 502,
    learner: `${NOT_DONE}: the LMS configuration speaks for another site`,
    admin: 'The issuer in the LMS configuration is on a different host than the configuration URL itself, so the configuration cannot be trusted to speak for that issuer.',
    fix: 'Check the LMS base URL settings (a proxy or a changed site URL is the usual cause), or connect it with the manual form.',
  },
  registration_unreachable: {
    status: 502,
    learner: `${NOT_DONE}: Tether could not reach the LMS to register`,
    admin:
      'Tether could not reach the LMS registration endpoint (no answer, refused or a TLS failure), or the endpoint is on a private or internal network address Tether never contacts — the LMS may or may not have created the tool.',
    fix: 'Check the LMS tool list for a half-created Tether entry, remove it, and start the registration again.',
  },
  registration_rejected: {
    status: 502,
    learner: `${NOT_DONE}: the LMS refused it`,
    admin:
      'The LMS refused the registration. The page names its HTTP status and, when the LMS gave them, its error code and the field it blamed; the LMS’s own wording is in the troubleshooting timeline.',
    fix: 'An expired or used registration token (401, invalid_token) means starting again from the LMS; a field error usually means the Tether public URL is wrong.',
  },
  registration_response_invalid: {
    status: 502,
    learner: `${NOT_DONE}: the LMS’s answer was incomplete`,
    admin: 'The LMS accepted the registration but its answer lacks a client_id (or is not JSON), so Tether cannot record the connection.',
    fix: 'Check the LMS tool list: if the tool was created, copy its client ID and connect it with the manual form.',
  },
  registration_url_invalid: {
    status: 400,
    learner: 'This registration URL is not valid',
    admin: 'The registration URL was altered or does not come from this Tether installation.',
    fix: 'Generate a new registration URL on the LTI settings page and paste it into the LMS unchanged.',
  },
  registration_url_expired: {
    status: 410,
    learner: 'This registration URL has expired',
    admin: 'Registration URLs are valid for one hour.',
    fix: 'Generate a new registration URL on the LTI settings page and use it within the hour.',
  },
  registration_url_used: {
    status: 409,
    learner: 'This registration URL was already used',
    admin: 'Each registration URL registers one LMS once, and is spent after 5 failed registration attempts.',
    fix: 'Generate a new registration URL for the next LMS (or to register this one again, once the cause of the failures is fixed).',
  },
  registration_unusable: {
    status: 409,
    learner: 'This LMS registration cannot be used',
    // The same words whether or not the pair exists elsewhere: no other workspace is confirmed or named.
    admin: 'The issuer and client ID the LMS registered cannot be connected here.',
    fix: 'Register Tether again in the LMS so it issues a new client ID, then use a new registration URL.',
  },
};
