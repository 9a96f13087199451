// Turn a platform's error answer into one line an admin can act on. Platforms disagree on the
// shape: OIDC says `{ error, error_description }` (400), Canvas answers `{ errors: [...] }`
// (422, canvas-lms #2396), and proxies answer HTML.

export interface PlatformErrorSummary {
  message: string;
  /** The first request member the platform blamed, when it named one. */
  field?: string;
}

export function summarisePlatformError(status: number, bodyText: string): PlatformErrorSummary {
  const fallback = { message: `the platform answered HTTP ${status}` };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return fallback;
  }
  if (!isRecord(body)) return fallback;

  // OIDC Dynamic Client Registration §3.3.
  if (typeof body.error === 'string' && body.error) {
    const desc = typeof body.error_description === 'string' && body.error_description ? `: ${body.error_description}` : '';
    return { message: `${body.error}${desc}` };
  }

  // Canvas: `errors` as [{ field?, message }], as bare strings, or Rails-style { field: [messages] }.
  const errors = body.errors;
  const parts: { field?: string; message: string }[] = [];
  if (Array.isArray(errors)) {
    for (const e of errors) {
      if (typeof e === 'string' && e) parts.push({ message: e });
      else if (isRecord(e) && typeof e.message === 'string') {
        const field = typeof e.field === 'string' && e.field ? e.field : undefined;
        parts.push(field ? { field, message: e.message } : { message: e.message });
      }
    }
  } else if (isRecord(errors)) {
    for (const [field, messages] of Object.entries(errors)) {
      for (const m of Array.isArray(messages) ? messages : [messages]) {
        if (typeof m === 'string') parts.push({ field, message: m });
      }
    }
  }
  if (parts.length === 0) {
    if (typeof body.message === 'string' && body.message) return { message: body.message };
    return fallback;
  }
  const message = parts.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
  const field = parts.find((p) => p.field)?.field;
  return field ? { message, field } : { message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
