import { databaseReachable } from '@tether/db';
import { toolDiscoveryDocument } from '@tether/lti';
import { Hono } from 'hono';
import type { RuntimeDeps } from '../deps.js';

export function wellKnownRoutes(deps: RuntimeDeps) {
  const app = new Hono();
  app.get('/.well-known/jwks.json', (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(deps.keys.jwks());
  });
  app.get('/.well-known/openid-configuration', (c) => {
    c.header('cache-control', 'public, max-age=300');
    return c.json(toolDiscoveryDocument(deps.config.PUBLIC_URL));
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks: Record<string, string> = {};
    checks.database = (await databaseReachable(deps.db)) ? 'ok' : 'unreachable';
    try {
      checks.keys = deps.keys.jwks().keys.length > 0 ? 'ok' : 'missing';
    } catch {
      checks.keys = 'missing';
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
  return app;
}
