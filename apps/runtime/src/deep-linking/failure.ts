// Ending a deep-linking request that cannot go on: the timeline records why (a failed launch
// row when the launch itself fails; an error event on the landed launch when the picker's
// answer is refused), and the instructor gets a page with the correlation ID.
import type { Context } from 'hono';
import { appendEvents, recordFailure } from '@tether/db';
import { DEEP_LINKING_ERROR_CATALOG, type DeepLinkingErrorCode } from '@tether/lti';
import type { RuntimeDeps } from '../deps.js';
import { deepLinkErrorPage } from '../pages/picker-page.js';
import { page } from '../respond.js';
import type { Timeline } from '../timeline.js';

export interface DeepLinkFailure {
  step: string;
  workspaceId?: string | null;
  /** Set while the launch itself is failing: the launch row becomes `failed` and the state is used up. */
  launch?: { platformId: string; issuer: string; clientId: string; consumeState: string | null };
  note?: string;
  details?: Record<string, unknown>;
}

export async function deepLinkFailure(c: Context, deps: RuntimeDeps, timeline: Timeline | null, code: DeepLinkingErrorCode, f: DeepLinkFailure): Promise<Response> {
  const status = DEEP_LINKING_ERROR_CATALOG[code].status;
  if (timeline) {
    timeline.error(f.step, code, { ...(f.details ?? {}), ...(f.note ? { note: f.note } : {}) });
    if (f.launch) timeline.error('failed', code, { status });
    try {
      if (f.launch) {
        await recordFailure(
          deps.db,
          { correlationId: timeline.correlationId, workspaceId: f.workspaceId ?? null, platformId: f.launch.platformId, issuer: f.launch.issuer, clientId: f.launch.clientId, errorCode: code, consumeState: f.launch.consumeState },
          timeline.events,
        );
      } else {
        await appendEvents(deps.db, timeline.correlationId, f.workspaceId ?? null, timeline.events);
      }
    } catch (e) {
      deps.logger.error({ correlationId: timeline.correlationId, err: e }, 'could not record deep-linking failure');
    }
  }
  deps.logger.warn({ correlationId: timeline?.correlationId ?? null, code, step: f.step, ...(f.details ?? {}) }, `deep linking failed: ${code}`);
  const correlationId = timeline?.correlationId ?? null;
  const res = await page(c, status, correlationId, (nonce) =>
    deepLinkErrorPage({ code, nonce, correlationId: correlationId ?? 'none — open the picker again from your course', note: f.note }),
  );
  res.headers.set('x-tether-error', code);
  return res;
}
