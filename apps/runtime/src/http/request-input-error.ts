// The one refusal for a request the runtime will not read: too large, or not well-formed
// (a broken form or JSON body, NUL, invalid UTF-8). Answered before anything is stored.
import { TetherError, type TetherErrorOptions } from '@tether/errors';

/** `invalid_request` (400): malformed or unsafe input; `request_too_large` (413, or 414/431 for the URL and headers). */
export type RequestInputCode = 'invalid_request' | 'request_too_large';

export class RequestInputError extends TetherError<RequestInputCode> {
  override readonly name = 'RequestInputError';
  declare readonly status: number;

  /** `details.field` names the offending field when there is one (never its value). */
  constructor(code: RequestInputCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, { ...options, status: options.status ?? (code === 'request_too_large' ? 413 : 400) });
  }

  /** The field at fault, if any. */
  get field(): string | undefined {
    const f = this.details.field;
    return typeof f === 'string' ? f : undefined;
  }
}
