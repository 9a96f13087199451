// The cookie-less path's second half: the browser read the state back from platform storage
// (or failed to) and comes here with the signed continuation from the launch.
import type { Context } from 'hono';
import type { RuntimeDeps } from '../deps.js';
import { resumeFromStorage } from '../launch/storage-continuation.js';
import { fail } from '../respond.js';
import { land } from './launch.js';

export function launchContinueHandler(deps: RuntimeDeps) {
  return async (c: Context): Promise<Response> => {
    const resumed = await resumeFromStorage(c, deps, 'launch-continue');
    if (resumed instanceof Response) return resumed;
    const { timeline, entry, record, data } = resumed;
    const scenario = data.scenario ? await deps.scenarios.byId(entry.platform.workspace_id, data.scenario) : undefined;
    if (!scenario) {
      const p = entry.platform;
      return fail(c, deps, timeline, 'scenario_not_found', { step: 'scenario', workspaceId: p.workspace_id, platformId: p.id, issuer: p.issuer, clientId: p.client_id, note: 'the scenario was removed during the launch' });
    }
    return land(c, deps, timeline, entry, record, scenario, data.learn === '1', null);
  };
}
