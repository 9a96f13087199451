// How every refused protocol request ends (launch, continuation, deep-linking picker): the
// failure is recorded (one statement), logged with the correlation ID, and answered with the
// catalogue's page for the learner or instructor, plus `X-Tether-Error: <code>`.

import { appendEvents, recordFailure } from '@tether/db';
import { explainOrUnknown } from '@tether/errors';
import type { DeepLinkingErrorCode, LaunchRecord, LtiErrorCode } from '@tether/lti';
import type { RuntimeDeps } from './deps.js';
import { launchDetailsOf } from './launch/complete-launch.js';
import { errorPage } from './pages/error-page.js';
import { pageHeaders, randomToken } from './security.js';
import type { Timeline } from './timeline.js';

/** The codes a protocol request can end on (each has a catalogue entry). */
export type FailureCode = LtiErrorCode | DeepLinkingErrorCode;

export interface FailureContext {
  step: string;
  /**
   * `launch` (default): the launch fails — its row, its events, its login state used up.
   * `event`: the launch stands (a refused picker answer); the refusal is added to its timeline.
   */
  ends?: 'launch' | 'event';
  workspaceId?: string | null;
  platformId?: string | null;
  issuer?: string | null;
  clientId?: string | null;
  /** The verified launch, when the failure came after the claims were checked (shown in troubleshooting). */
  record?: LaunchRecord | undefined;
  /** The login state this failed launch used: consumed with the failure (single use). */
  state?: string | null | undefined;
  note?: string;
  details?: Record<string, unknown>;
}

/** Records and answers a refusal; with no timeline (nothing to attach it to) it is only logged. */
export async function fail(deps: RuntimeDeps, timeline: Timeline | null, code: FailureCode, f: FailureContext): Promise<Response> {
  const { status } = explainOrUnknown(code);
  const correlationId = timeline?.correlationId ?? null;
  if (timeline) {
    timeline.error(f.step, code, { ...(f.details ?? {}), ...(f.note ? { note: f.note } : {}) });
    try {
      // A replay must not touch the launch it replays (which may be landing right now on
      // another request), and a refused picker answer leaves its landed launch as it is:
      // both only add their events to that timeline.
      if (code === 'nonce_replayed' || f.ends === 'event') {
        if (code === 'nonce_replayed') timeline.error('failed', code, { status });
        await appendEvents(deps.db, timeline.correlationId, f.workspaceId ?? null, timeline.events);
      } else {
        timeline.error('failed', code, { status });
        await recordFailure(
          deps.db,
          {
            correlationId: timeline.correlationId,
            workspaceId: f.workspaceId ?? null,
            platformId: f.platformId ?? null,
            issuer: f.issuer ?? null,
            clientId: f.clientId ?? null,
            errorCode: code,
            state: f.state ?? null,
            launch: f.record ? launchDetailsOf(f.record) : null,
          },
          timeline.events,
        );
      }
    } catch (e) {
      deps.logger.error({ correlationId, err: e }, 'could not record the failure');
    }
  }
  deps.logger.warn({ correlationId, code, step: f.step, ...(f.details ?? {}) }, `request refused: ${code}`);
  const res = await page(status, correlationId, (nonce) => errorPage({ code, correlationId, nonce, note: f.note }));
  // Machine-readable for LMS-side tooling and tests; the page says the same in words.
  res.headers.set('x-tether-error', code);
  return res;
}

export async function page(status: number, correlationId: string | null, render: (nonce: string) => unknown): Promise<Response> {
  const nonce = randomToken(16);
  const body = String(await render(nonce));
  const headers: Record<string, string> = { ...pageHeaders(nonce), 'content-type': 'text/html; charset=utf-8' };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  return new Response(body, { status, headers });
}
