// The cookie-less path's second half: the browser read the state back from platform storage
// (or failed to) and comes here with the signed continuation from the launch.
import type { Context } from 'hono';
import { isCryptoError } from '@tether/crypto';
import type { RuntimeDeps } from '../deps.js';
import { launchRecordSchema } from '../launch/launch-record.js';
import { fail } from '../respond.js';
import { newCorrelationId } from '../security.js';
import { Timeline } from '../timeline.js';
import { land } from './launch.js';

export function launchContinueHandler(deps: RuntimeDeps) {
  return async (c: Context): Promise<Response> => {
    let data: Record<string, string>;
    try {
      data = (await deps.tokens.verify(c.req.query('token') ?? '', { purpose: 'launch-continue' })).data;
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
    const record = launchRecordSchema.safeParse(JSON.parse(data.record ?? 'null'));
    const scenario = data.scenario && entry ? await deps.scenarios.byId(entry.platform.workspace_id, data.scenario) : undefined;
    if (!entry || !record.success) return fail(c, deps, timeline, 'unknown_platform', { step: 'platform_resolved', ...who });
    if (!scenario) return fail(c, deps, timeline, 'scenario_not_found', { step: 'scenario', ...who, note: 'the scenario was removed during the launch' });
    return land(c, deps, timeline, entry, record.data, scenario, data.learn === '1', null);
  };
}
