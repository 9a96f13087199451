// The one error base every Tether package throws (after jose's `JOSEError`): callers branch on
// `code`, never on `message`; `details` is safe to log and show to admins (identifiers, URLs,
// statuses — never a token, a key or a secret).

export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface TetherErrorOptions {
  /** HTTP status of the answer that caused the error (an LMS's), when there was one. */
  status?: number;
  /** True when the same call may succeed later unchanged (outage, rate limit, timeout). */
  retryable?: boolean;
  details?: ErrorDetails;
  cause?: unknown;
}

export class TetherError<Code extends string = string> extends Error {
  override name = 'TetherError';
  readonly code: Code;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly details: ErrorDetails;

  constructor(code: Code, message: string, options: TetherErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** Narrowing helper: `isTetherError(err, 'kid_not_found')`. */
export function isTetherError(err: unknown, code?: string): err is TetherError {
  return err instanceof TetherError && (code === undefined || err.code === code);
}
