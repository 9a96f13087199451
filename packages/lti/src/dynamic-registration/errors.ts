// Every way a dynamic registration can fail has a stable code. The catalogue gives each one an
// admin explanation and a fix; the runtime shows them on the registration page (the person who
// clicked "register" in the LMS is an admin, so there is no learner text here).

export type RegistrationErrorCode =
  | 'registration_request_invalid'
  | 'insecure_url'
  | 'config_unreachable'
  | 'config_invalid'
  | 'issuer_mismatch'
  | 'registration_unreachable'
  | 'registration_rejected'
  | 'registration_response_invalid';

export interface RegistrationErrorExplanation {
  /** Status the runtime should answer the admin's browser with (not the platform's status). */
  responseStatus: 400 | 502;
  /** What went wrong, for the LMS admin. */
  admin: string;
  /** What the admin should do. */
  fix: string;
}

export const REGISTRATION_ERROR_CATALOG: Record<RegistrationErrorCode, RegistrationErrorExplanation> = {
  registration_request_invalid: {
    responseStatus: 400,
    admin: 'The registration URL was opened without a usable openid_configuration parameter, so Tether cannot tell which LMS is registering it.',
    fix: 'Start the registration from the LMS (its "add tool by registration URL" screen) rather than opening the registration URL directly.',
  },
  insecure_url: {
    responseStatus: 400,
    admin: 'The LMS configuration, or one of the endpoints it lists, uses plain http. Registration tokens and keys must not travel unencrypted.',
    fix: 'Serve the LMS over https. For a local test LMS, add its host to the dynamic-registration dev allow-list.',
  },
  config_unreachable: {
    responseStatus: 502,
    admin: 'Tether could not download the LMS OpenID configuration (network error, timeout, error status, redirect to another host, or an oversized answer).',
    fix: 'Check that the LMS is reachable from the Tether runtime and that the registration was started less than an hour ago (registration tokens expire); then start again from the LMS.',
  },
  config_invalid: {
    responseStatus: 502,
    admin: 'The LMS OpenID configuration is not valid JSON, or a required member is missing or malformed (the field is named in the details).',
    fix: 'Check the LMS version supports LTI Dynamic Registration 1.0; otherwise connect it with the manual form.',
  },
  issuer_mismatch: {
    responseStatus: 502,
    admin: 'The issuer in the LMS configuration is on a different host than the configuration URL itself, so the configuration cannot be trusted to speak for that issuer.',
    fix: 'Check the LMS base URL settings (a proxy or a changed site URL is the usual cause), or connect it with the manual form.',
  },
  registration_unreachable: {
    responseStatus: 502,
    admin: 'Tether could not reach the LMS registration endpoint (network error or timeout) — the LMS may or may not have created the tool.',
    fix: 'Check the LMS tool list for a half-created Tether entry, remove it, and start the registration again.',
  },
  registration_rejected: {
    responseStatus: 502,
    admin: 'The LMS refused the registration; its own message is shown with the error.',
    fix: 'Read the LMS message: an expired or used registration token means starting again from the LMS; a field error usually means the Tether public URL is wrong.',
  },
  registration_response_invalid: {
    responseStatus: 502,
    admin: 'The LMS accepted the registration but its answer lacks a client_id (or is not JSON), so Tether cannot record the connection.',
    fix: 'Check the LMS tool list: if the tool was created, copy its client ID and connect it with the manual form.',
  },
};

/** Most of the platform's error body kept on the error: enough to diagnose, bounded for logs. */
export const PLATFORM_BODY_MAX_BYTES = 2048;

export interface RegistrationErrorOptions {
  /** The configuration/request member at fault (e.g. `issuer`, `registration_endpoint`). */
  field?: string;
  /** HTTP status the platform answered with. */
  status?: number;
  /** The platform's answer; truncated to 2 KiB here. Never carries tokens Tether sent. */
  platformBody?: string;
  cause?: unknown;
}

export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  readonly code: RegistrationErrorCode;
  readonly field?: string;
  readonly status?: number;
  readonly platformBody?: string;

  constructor(code: RegistrationErrorCode, message: string, options: RegistrationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.status !== undefined) this.status = options.status;
    if (options.platformBody !== undefined) this.platformBody = truncateUtf8(options.platformBody, PLATFORM_BODY_MAX_BYTES);
  }

  get explanation(): RegistrationErrorExplanation {
    return REGISTRATION_ERROR_CATALOG[this.code];
  }
}

export const isRegistrationError = (e: unknown): e is RegistrationError => e instanceof RegistrationError;

/** Cut a string to at most `maxBytes` of UTF-8, marking the cut. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD; drop it rather than show garbage.
  return `${new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '')}…`;
}
