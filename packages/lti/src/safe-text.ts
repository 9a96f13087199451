// Text at every boundary (LTI parameters, the Grades API, dashboard inputs): Postgres refuses
// NUL in text and jsonb ("invalid byte sequence"), and a lone surrogate or a U+FFFD left by a
// lenient decoder is damaged input, not text anyone meant to send. Refused here, as a
// validation error, so neither reaches a query and none becomes a 500.
import { z } from 'zod';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string is not safe to store, or null when it is. */
export function unsafeTextReason(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain a NUL character';
  if (value.includes('\uFFFD') || LONE_SURROGATE.test(value)) return 'must be valid UTF-8 text';
  return null;
}

export interface SafeTextOptions {
  /** Length cap (UTF-16 code units, as `z.string().max`). */
  max: number;
  /** Minimum length (after trimming when `trim`); 1 makes the field required. */
  min?: number;
  /** Trim surrounding whitespace before the length checks. */
  trim?: boolean;
  /** Names the field in messages ("title is required"); without it they read "required", "must …". */
  label?: string;
}

/**
 * A zod string that refuses NUL and invalid UTF-8, with a length cap. Chain it like any
 * `z.string()` (`.optional()`, `.regex()`, …).
 */
export function safeText(opts: SafeTextOptions) {
  const { max, min = 0, trim = false, label } = opts;
  const say = (what: string) => (label ? `${label} ${what}` : what);
  let s = z.string({ error: (iss) => (iss.input === undefined ? say('is required') : say('must be a string')) });
  if (trim) s = s.trim();
  if (min > 0) s = s.min(min, min === 1 ? say('is required') : say(`must be at least ${min} characters`));
  return s.max(max, say(`must be at most ${max} characters`)).refine((v) => unsafeTextReason(v) === null, {
    error: (iss) => say(unsafeTextReason(String(iss.input)) ?? 'must be valid text'),
  });
}
