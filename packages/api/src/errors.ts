// Errors the dashboard can act on: every bad input names its field. A TRPCError built here
// carries an `ApiFieldErrors` cause; the error formatter copies its map into the error
// shape's `data.fieldErrors`, and `fieldErrorsOf()` reads it back on the server side
// (createCaller in SvelteKit form actions, where no formatter runs).
import { TetherError, type TetherErrorOptions } from '@tether/errors';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;
type ErrorCode = ConstructorParameters<typeof TRPCError>[0]['code'];

/** The cause a field-naming TRPCError carries: its per-field messages are `details.fieldErrors`. */
export class ApiFieldErrors extends TetherError<'invalid_input'> {
  override readonly name = 'ApiFieldErrors';

  constructor(code: 'invalid_input', message: string, options: TetherErrorOptions & { details: { fieldErrors: FieldErrors } }) {
    super(code, message, options);
  }

  /** Per field, what is wrong with it. */
  get fieldErrors(): FieldErrors {
    return this.details.fieldErrors as FieldErrors;
  }
}

/** A TRPCError whose message names the field ("slug: …") and whose data carries fieldErrors. */
export function fieldError(code: ErrorCode, field: string, message: string): TRPCError {
  return fieldErrors(code, { [field]: message });
}

function fieldErrors(code: ErrorCode, errors: FieldErrors): TRPCError {
  const message = Object.entries(errors)
    .map(([field, msg]) => `${field}: ${msg}`)
    .join('; ');
  return new TRPCError({ code, message, cause: new ApiFieldErrors('invalid_input', message, { details: { fieldErrors: errors } }) });
}

const isZodLike = (e: unknown): e is Pick<z.ZodError, 'issues'> => !!e && typeof e === 'object' && Array.isArray((e as { issues?: unknown }).issues);

/** Turn a failed input parse (zod issues) into BAD_REQUEST naming each field; first issue per field wins. */
function validationError(error: Pick<z.ZodError, 'issues'>): TRPCError {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const head = issue.path[0];
    const field = head === undefined ? 'input' : String(head);
    if (!(field in errors)) errors[field] = issue.message;
  }
  if (Object.keys(errors).length === 0) errors.input = 'is invalid';
  return fieldErrors('BAD_REQUEST', errors);
}

/** If `cause` is a failed zod parse, the equivalent field-naming TRPCError. */
export function asValidationError(cause: unknown): TRPCError | undefined {
  return isZodLike(cause) ? validationError(cause) : undefined;
}

/** The per-field messages of an error thrown by a procedure, if it has any. */
export function fieldErrorsOf(error: unknown): FieldErrors | undefined {
  let e: unknown = error;
  for (let i = 0; i < 3 && e; i++) {
    if (e instanceof ApiFieldErrors) return e.fieldErrors;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
