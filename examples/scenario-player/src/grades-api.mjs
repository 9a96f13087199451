// Tether's Grades API, as a host calls it: one POST per graded attempt, with a workspace API key.
//
//   POST <runtime>/api/v1/grades   Authorization: Bearer tk_…   Content-Type: application/json
//   { launch: <correlation ID or launch ID>, attemptId, scorePercent: 0–100, submittedAt? }
//   → 202 { attemptId, passbackId, status: 'queued' | 'skipped', reason? }
//   → 200 the same answer again when attemptId was already reported with the same launch and score
//   → 4xx { error: { code, message, fields?, reason? } }   (reason: why a launch cannot take a grade, on 422)

/**
 * @typedef {{ ok: true, status: number, attemptId: string, passbackId: string | null, outcome: string, reason: string | null, duplicate: boolean }} ScoreAccepted
 * @typedef {{ ok: false, status: number | null, code: string, message: string, fields: Record<string, string>, reason: string | null }} ScoreRefused
 */

/**
 * @param {{ runtimeUrl: string, apiKey: string, launch: string, attemptId: string, scorePercent: number, fetch?: typeof fetch, timeoutMs?: number }} input
 * @returns {Promise<ScoreAccepted | ScoreRefused>}
 */
export async function sendScore({ runtimeUrl, apiKey, launch, attemptId, scorePercent, fetch = globalThis.fetch, timeoutMs = 10_000 }) {
  let res;
  try {
    res = await fetch(`${runtimeUrl}/api/v1/grades`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      // The same attemptId is safe to send again (a double click, a retry): Tether answers with the original.
      body: JSON.stringify({ launch, attemptId, scorePercent, submittedAt: new Date().toISOString() }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const message =
      err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : String(err instanceof Error ? (err.cause ?? err.message) : err);
    return { ok: false, status: null, code: 'grades_api_unreachable', message: `Could not reach Tether at ${runtimeUrl}: ${message}`, fields: {}, reason: null };
  }

  const text = await res.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): reported below with the status.
  }
  if (res.ok && body && typeof body === 'object') {
    return {
      ok: true,
      status: res.status,
      attemptId: String(body.attemptId ?? attemptId),
      passbackId: typeof body.passbackId === 'string' ? body.passbackId : null,
      outcome: String(body.status ?? 'accepted'),
      reason: typeof body.reason === 'string' ? body.reason : null,
      duplicate: body.duplicate === true,
    };
  }
  const error = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
  return {
    ok: false,
    status: res.status,
    code: typeof error.code === 'string' ? error.code : `http_${res.status}`,
    message: typeof error.message === 'string' ? error.message : text.slice(0, 300) || `HTTP ${res.status}`,
    fields: error.fields && typeof error.fields === 'object' ? error.fields : {},
    reason: typeof error.reason === 'string' ? error.reason : null,
  };
}
