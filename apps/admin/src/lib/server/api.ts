// The dashboard's server side talks to packages/api through a tRPC caller (no HTTP hop);
// the browser uses the same routers over /api/trpc.
import type { RequestEvent } from '@sveltejs/kit';
import { type Context, createCaller, createContextFactory } from '@tether/api';
import { TETHER_USER_AGENT as USER_AGENT } from '@tether/http';
import { getDeps } from './deps';

let factory: Promise<(opts: { headers: Headers }) => Promise<Context>> | undefined;

export function contextFactory() {
  factory ??= getDeps().then((d) =>
    createContextFactory({
      db: d.db,
      auth: d.auth,
      tokens: d.tokens,
      publicUrl: d.publicUrl,
      userAgent: USER_AGENT,
      allowPrivateHosts: d.allowPrivateHosts,
      passbackQueue: d.passbackQueue,
      rosterQueue: d.rosterQueue,
    }),
  );
  return factory;
}

export async function caller(event: Pick<RequestEvent, 'request'>) {
  const create = await contextFactory();
  return createCaller(await create({ headers: event.request.headers }));
}
