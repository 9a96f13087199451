// Every way a dynamic registration can fail has a stable code. The one catalogue
// (`explain(code)` of @tether/errors) gives each the registration page's headline for the LMS
// admin who clicked "register", an explanation, a fix and the status to answer with.
import { TetherError, type TetherErrorOptions } from '@tether/errors';

export const REGISTRATION_ERROR_CODES = [
  'registration_request_invalid',
  'insecure_url',
  'config_unreachable',
  'config_invalid',
  'issuer_mismatch',
  'registration_unreachable',
  'registration_rejected',
  'registration_response_invalid',
] as const;
export type RegistrationErrorCode = (typeof REGISTRATION_ERROR_CODES)[number];

/** Most of the platform's error body kept on the error: enough to diagnose, bounded for logs. */
export const PLATFORM_BODY_MAX_BYTES = 2048;

export interface RegistrationErrorOptions extends TetherErrorOptions {
  /** The configuration/request member at fault (e.g. `issuer`, `registration_endpoint`). */
  field?: string;
  /** HTTP status the platform answered with. */
  status?: number;
  /**
   * The platform's answer; truncated to 2 KiB here. Never carries tokens Tether sent. No step
   * sets it any more: the URLs come from whoever opened the registration page, so what they
   * answered is not repeated to that page (errors say what failed in words).
   */
  platformBody?: string;
}

export class RegistrationError extends TetherError<RegistrationErrorCode> {
  override readonly name = 'RegistrationError';

  constructor(code: RegistrationErrorCode, message: string, options: RegistrationErrorOptions = {}) {
    const { field, platformBody, ...rest } = options;
    super(code, message, {
      ...rest,
      details: {
        ...rest.details,
        ...(field === undefined ? {} : { field }),
        ...(platformBody === undefined ? {} : { platformBody: truncateUtf8(platformBody, PLATFORM_BODY_MAX_BYTES) }),
      },
    });
  }

  /** The configuration/request member at fault, when one is. */
  get field(): string | undefined {
    const v = this.details.field;
    return typeof v === 'string' ? v : undefined;
  }

  /** The platform's answer, at most 2 KiB of it. */
  get platformBody(): string | undefined {
    const v = this.details.platformBody;
    return typeof v === 'string' ? v : undefined;
  }
}

/** Narrowing helper: `isRegistrationError(err, 'registration_rejected')`. */
export const isRegistrationError = (e: unknown, code?: RegistrationErrorCode): e is RegistrationError => e instanceof RegistrationError && (code === undefined || e.code === code);

/** Cut a string to at most `maxBytes` of UTF-8, marking the cut. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD; drop it rather than show garbage.
  return `${new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '')}…`;
}
