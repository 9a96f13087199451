// Ending a protocol request: failures are recorded (launch row + events, one statement),
// logged with the correlation ID, and answered with the learner error page.
import type { Context } from 'hono';
import { appendEvents, recordFailure } from '@tether/db';
import { ERROR_CATALOG, type LtiErrorCode } from '@tether/lti';
import type { RuntimeDeps } from './deps.js';
import { errorPage } from './pages/error-page.js';
import { pageHeaders, randomToken } from './security.js';
import type { Timeline } from './timeline.js';
import type { LaunchRecord } from './launch/launch-record.js';

const failedLaunchDetails = (r: LaunchRecord) => ({
  deployment_id: r.deploymentId,
  message_type: r.messageType,
  lti_sub: r.sub,
  context_id: r.contextId,
  context_title: r.contextTitle,
  resource_link_id: r.resourceLinkId,
  resource_link_title: r.resourceLinkTitle,
  roles: r.roles,
});

export interface FailureContext {
  step: string;
  workspaceId?: string | null;
  platformId?: string | null;
  issuer?: string | null;
  clientId?: string | null;
  /** The verified launch, when the failure came after the claims were checked (shown in troubleshooting). */
  record?: LaunchRecord | undefined;
  /** The login state this failed launch used: consumed with the failure (single use). */
  consumeState?: string | null | undefined;
  note?: string;
  details?: Record<string, unknown>;
}

export async function fail(c: Context, deps: RuntimeDeps, timeline: Timeline, code: LtiErrorCode, f: FailureContext): Promise<Response> {
  timeline.error(f.step, code, { ...(f.details ?? {}), ...(f.note ? { note: f.note } : {}) });
  timeline.error('failed', code, { status: ERROR_CATALOG[code].status });
  try {
    // A replay must not touch the launch it replays (which may be landing right now on
    // another request): it only adds its events to that timeline.
    if (code === 'nonce_replayed') await appendEvents(deps.db, timeline.correlationId, f.workspaceId ?? null, timeline.events);
    else await recordFailure(
      deps.db,
      { correlationId: timeline.correlationId, workspaceId: f.workspaceId ?? null, platformId: f.platformId ?? null, issuer: f.issuer ?? null, clientId: f.clientId ?? null, errorCode: code, consumeState: f.consumeState ?? null, launch: f.record ? failedLaunchDetails(f.record) : null },
      timeline.events,
    );
  } catch (e) {
    deps.logger.error({ correlationId: timeline.correlationId, err: e }, 'could not record launch failure');
  }
  deps.logger.warn({ correlationId: timeline.correlationId, code, step: f.step, ...(f.details ?? {}) }, `launch failed: ${code}`);
  const res = await page(c, ERROR_CATALOG[code].status, timeline.correlationId, (nonce) => errorPage({ code, correlationId: timeline.correlationId, nonce, note: f.note }));
  // Machine-readable for LMS-side tooling and tests; the page says the same in words.
  res.headers.set('x-tether-error', code);
  return res;
}

export async function page(c: Context, status: number, correlationId: string | null, render: (nonce: string) => unknown): Promise<Response> {
  const nonce = randomToken(16);
  const body = String(await render(nonce));
  const headers: Record<string, string> = { ...pageHeaders(nonce), 'content-type': 'text/html; charset=utf-8' };
  if (correlationId) headers['x-correlation-id'] = correlationId;
  return new Response(body, { status, headers });
}
