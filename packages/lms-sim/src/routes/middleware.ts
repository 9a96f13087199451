/** Cross-cutting behaviour: request log, outage and failure injection, User-Agent enforcement. */
import type { Hono } from 'hono';
import { LIBRARY_DEFAULT_USER_AGENTS } from '../constants.js';
import { json } from '../http.js';
import { logRequest, type SimContext } from '../state.js';

/** Paths the *tool's server* calls (as opposed to the learner's browser). */
function isToolFacing(path: string): boolean {
  return path === '/jwks' || path === '/token' || path === '/register' || path.startsWith('/.well-known/') || path.startsWith('/ags/') || path.startsWith('/nrps/');
}

export function installMiddleware(app: Hono, sim: SimContext): void {
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    await next();
    logRequest(sim.state, {
      method: c.req.method,
      path: url.pathname + url.search,
      status: c.res.status,
      userAgent: c.req.header('user-agent') ?? null,
      authorization: c.req.header('authorization') ?? null,
      contentType: c.req.header('content-type') ?? null,
      accept: c.req.header('accept') ?? null,
      at: Date.now(),
    });
  });

  app.use('*', async (c, next) => {
    if (sim.state.down) {
      return json(503, { error: 'temporarily_unavailable', error_description: 'The LMS is down (setDown)' }, { 'retry-after': '1' });
    }
    const url = new URL(c.req.url);
    const target = url.pathname + url.search;
    const rule = sim.state.failRules.find(
      (r) => r.remaining > 0 && (r.method === undefined || r.method.toUpperCase() === c.req.method) && (r.path === undefined || r.path.test(target)),
    );
    if (rule) {
      rule.remaining--;
      sim.state.failRules = sim.state.failRules.filter((r) => r.remaining > 0);
      return json(rule.status, rule.body ?? { error: 'injected_failure', error_description: `failNext: ${rule.status}` }, rule.headers);
    }
    await next();
  });

  app.use('*', async (c, next) => {
    const mode = sim.opts.userAgentRequired;
    if (mode && isToolFacing(new URL(c.req.url).pathname)) {
      const ua = (c.req.header('user-agent') ?? '').trim();
      if (!ua) {
        return json(403, { error: 'forbidden', error_description: 'A User-Agent header is required' });
      }
      if (mode === 'strict' && LIBRARY_DEFAULT_USER_AGENTS.some((re) => re.test(ua))) {
        return json(403, {
          error: 'forbidden',
          error_description: `User-Agent "${ua}" is an HTTP library default; identify your application`,
        });
      }
    }
    await next();
  });
}
