// How every refused protocol request ends (launch, continuation, deep-linking picker): the
// failure is recorded (one statement), logged with the correlation ID, and answered with the
// catalogue's page for the learner or instructor, plus `X-Tether-Error: <code>`.

import { appendEvents, recordFailure } from '@tether/db';
import { explainOrUnknown, type RateLimitErrorCode } from '@tether/errors';
import type { DeepLinkingErrorCode, LaunchRecord, LtiErrorCode } from '@tether/lti';
import type { RuntimeDeps } from './deps.js';
import type { RequestInputCode } from './http/request-input-error.js';
import { launchDetailsOf } from './launch/complete-launch.js';
import { errorPage } from './pages/error-page.js';
import { frameAncestorsOf, pageHeaders, randomToken } from './security.js';
import type { Timeline } from './timeline.js';

/** The codes a protocol request can end on (each has a catalogue entry). */
export type FailureCode = LtiErrorCode | DeepLinkingErrorCode | RequestInputCode | RateLimitErrorCode;

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
  /**
   * Who may frame the error page (`frameAncestorsOf(platform)`). Default: the platform of
   * `platformId` when it is known, else only this tool.
   */
  frameAncestors?: string;
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
  const frameAncestors = f.frameAncestors ?? (await platformFrameAncestors(deps, f.platformId, f.record));
  const res = await page(status, correlationId, (nonce) => errorPage({ code, correlationId, nonce, note: f.note }), { frameAncestors });
  // Machine-readable for LMS-side tooling and tests; the page says the same in words.
  res.headers.set('x-tether-error', code);
  return res;
}

/** The LMS that may frame a failure page (the platform directory caches it; a lookup error only narrows framing). */
async function platformFrameAncestors(deps: RuntimeDeps, platformId: string | null | undefined, record?: LaunchRecord): Promise<string> {
  if (!platformId) return frameAncestorsOf(null);
  const entry = await deps.platforms.findById(platformId).catch(() => undefined);
  return frameAncestorsOf(entry?.platform, [record?.returnUrl]);
}

export interface PageOptions {
  /** `frame-ancestors` of the page (learner pages: `frameAncestorsOf(platform)`); omitted ⇒ no framing limit. */
  frameAncestors?: string;
}

export async function page(status: number, correlationId: string | null, render: (nonce: string) => unknown, opts: PageOptions = {}): Promise<Response> {
  const nonce = randomToken(16);
  const body = String(await render(nonce));
  const headers: Record<string, string> = { ...pageHeaders(nonce, opts.frameAncestors), 'content-type': 'text/html; charset=utf-8' };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  return new Response(body, { status, headers });
}
