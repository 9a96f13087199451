// The runtime's HTTP surface (Hono: Web-standard Request/Response, testable without a port).
import { Hono } from 'hono';
import { deepLinkingRoutes } from './deep-linking/routes.js';
import type { RuntimeDeps } from './deps.js';
import { gradesApi } from './grades/api.js';
import { requestLimits } from './http/request-limits.js';
import { createRateLimits } from './rate-limits.js';
import { fail } from './respond.js';
import { launchHandler } from './routes/launch.js';
import { launchContinueHandler } from './routes/launch-continue.js';
import { learnHandler } from './routes/learn.js';
import { loginHandler } from './routes/login.js';
import { registerHandler } from './routes/register.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { newCorrelationId } from './security.js';
import { Timeline } from './timeline.js';

export function createApp(deps: RuntimeDeps) {
  const app = new Hono();
  // In front of every route, before anything is read: flood control (per client, in memory),
  // then the URL, header and body caps.
  const { config } = deps;
  const limits = createRateLimits(deps, {
    loginPerMin: config.RATE_LIMIT_LOGIN_PER_MIN,
    launchPerMin: config.RATE_LIMIT_LAUNCH_PER_MIN,
    registerPerMin: config.RATE_LIMIT_REGISTER_PER_MIN,
    gradesPerMin: config.RATE_LIMIT_GRADES_PER_MIN,
    trustedProxies: config.TRUSTED_PROXIES,
  });
  app.use('/lti/*', limits.protocol);
  app.use('*', requestLimits(deps));
  app.on(['GET', 'POST'], '/lti/login', loginHandler(deps));
  app.post('/lti/launch', launchHandler(deps));
  app.post('/lti/launch/continue', launchContinueHandler(deps));
  app.route('/', deepLinkingRoutes(deps)); // /lti/deep-link (picker) and its /respond
  app.get('/learn', learnHandler(deps));
  app.get('/lti/register', registerHandler(deps));
  app.route('/', wellKnownRoutes(deps));
  app.route('/', gradesApi(deps, limits.grades));
  app.get('/', (c) =>
    c.json({ service: 'tether-runtime', endpoints: ['/lti/login', '/lti/launch', '/.well-known/jwks.json', '/.well-known/openid-configuration', '/api/v1/grades'] }),
  );
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  // Unexpected errors: a correlation ID and the generic page, never a stack trace.
  app.onError((err, c) => {
    const timeline = new Timeline(newCorrelationId());
    deps.logger.error({ correlationId: timeline.correlationId, err, path: c.req.path }, 'unhandled error');
    if (c.req.path.startsWith('/lti/')) return fail(deps, timeline, 'internal_error', { step: 'internal' });
    return c.json({ error: { code: 'internal_error', correlationId: timeline.correlationId } }, 500);
  });
  return app;
}
