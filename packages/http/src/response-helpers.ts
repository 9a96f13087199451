// Small readings of an answer that every service client needs the same way.

/** Longest response-body excerpt kept in error details (admin-facing, never learner-facing). */
const BODY_EXCERPT_CHARS = 500;

export function bodyExcerpt(text: string, max: number = BODY_EXCERPT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The body as JSON, or undefined when it is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `Retry-After` as whole seconds (delta form only; an HTTP date is left to the caller). */
export function retryAfterSec(headers: Headers): number | undefined {
  const raw = headers.get('retry-after')?.trim();
  return raw !== undefined && /^\d+$/.test(raw) ? Number.parseInt(raw, 10) : undefined;
}
