// The runtime's HTTP surface (Hono: Web-standard Request/Response, testable without a port).
import { Hono } from 'hono';
import { deepLinkingRoutes } from './deep-linking/routes.js';
import type { RuntimeDeps } from './deps.js';
import { gradesApi } from './grades/api.js';
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
  app.on(['GET', 'POST'], '/lti/login', loginHandler(deps));
  app.post('/lti/launch', launchHandler(deps));
  app.get('/lti/launch/continue', launchContinueHandler(deps));
  app.route('/', deepLinkingRoutes(deps)); // /lti/deep-link (picker) and its /respond
  app.get('/learn', learnHandler(deps));
  app.get('/lti/register', registerHandler(deps));
  app.route('/', wellKnownRoutes(deps));
  app.route('/', gradesApi(deps));
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
