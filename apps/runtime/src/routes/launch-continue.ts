// The cookie-less path's second half: the browser read the state back from platform storage
// (or failed to) and comes here with the signed continuation from the launch.
import type { Context } from 'hono';
import type { RuntimeDeps } from '../deps.js';
import { finishLaunch } from '../launch/finish-launch.js';
import { resumeFromStorage } from '../launch/storage-continuation.js';

export function launchContinueHandler(deps: RuntimeDeps) {
  return async (c: Context): Promise<Response> => {
    const resumed = await resumeFromStorage(c, deps);
    if (resumed instanceof Response) return resumed;
    return finishLaunch(c, deps, resumed.timeline, resumed.input);
  };
}
