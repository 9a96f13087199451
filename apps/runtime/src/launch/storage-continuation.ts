// The cookie-less path's second half, shared by resource-link and deep-linking launches: the
// browser read the state back from platform storage (or failed to) and returns with the
// signed continuation the launch handed it.
import type { Context } from 'hono';
import { isCryptoError } from '@tether/crypto';
import type { RuntimeDeps } from '../deps.js';
import type { PlatformEntry } from '../platform-directory.js';
import { fail } from '../respond.js';
import { newCorrelationId } from '../security.js';
import { Timeline } from '../timeline.js';
import { launchRecordSchema, type LaunchRecord } from './launch-record.js';

export interface ResumedLaunch {
  timeline: Timeline;
  entry: PlatformEntry;
  record: LaunchRecord;
  data: Record<string, string>;
}

/** Verifies the continuation and the storage outcome; a Response means the launch failed (recorded). */
export async function resumeFromStorage(c: Context, deps: RuntimeDeps, purpose: string): Promise<ResumedLaunch | Response> {
  let data: Record<string, string>;
  try {
    data = (await deps.tokens.verify(c.req.query('token') ?? '', { purpose })).data;
  } catch (e) {
    if (!isCryptoError(e)) throw e;
    const code = e.code === 'one_time_token_expired' ? 'state_expired' : 'state_unknown';
    return fail(c, deps, new Timeline(newCorrelationId()), code, { step: 'state', note: 'the launch continuation is invalid or expired' });
  }
  const timeline = new Timeline(data.cid ?? newCorrelationId());
  const entry = data.platform ? await deps.platforms.findById(data.platform) : undefined;
  const who = { workspaceId: entry?.platform.workspace_id ?? null, platformId: entry?.platform.id ?? null, issuer: entry?.platform.issuer ?? null, clientId: entry?.platform.client_id ?? null };
  const storageError = c.req.query('storage_error');
  if (storageError) {
    return fail(c, deps, timeline, 'state_missing', { step: 'state', ...who, note: `platform storage did not confirm the state (${storageError.slice(0, 40)})` });
  }
  timeline.ok('state', { binding: 'platform_storage', confirmed: true });
  const record = launchRecordSchema.safeParse(parseJson(data.record));
  if (!entry || !record.success) return fail(c, deps, timeline, 'unknown_platform', { step: 'platform_resolved', ...who });
  return { timeline, entry, record: record.data, data };
}

export function parseJson(s: string | undefined): unknown {
  try {
    return s === undefined ? undefined : JSON.parse(s);
  } catch {
    return undefined;
  }
}
