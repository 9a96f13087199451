// R31: runtime nodes are stateless — login on node A, launch on node B; a replay on A fails.
import { parseAutoPostForm } from '@tether/lms-sim';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type RunningRuntime, startRuntime } from '../src/server.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
let nodeB: RunningRuntime;
beforeAll(async () => {
  h = await startHarness();
  // Node B: same database and secret, same public URL (a load balancer would front both).
  nodeB = await startRuntime(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: h.runtime.deps.config.PUBLIC_URL,
      TETHER_SECRET: 's'.repeat(40),
      LOG_LEVEL: 'silent',
      TETHER_DEV_INSECURE_HOSTS: '127.0.0.1,localhost',
    }),
    {
      db: h.t.db,
      logger: pino({ level: 'silent' }),
    },
  );
});
afterAll(async () => {
  await nodeB?.close();
  await h?.close();
});

describe('several runtime nodes on one database', () => {
  it('login on A, launch on B lands; replaying it on A fails', async () => {
    const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, user: { sub: 'multi-node' } });
    const login = await fetch(init.url, { redirect: 'manual' }); // node A
    expect(login.status).toBe(302);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const form = parseAutoPostForm(await (await h.sim.fetch(new Request(login.headers.get('location')!))).text());
    const body = new URLSearchParams(form.fields);

    const onB = await fetch(`${nodeB.url}/lti/launch`, { method: 'POST', redirect: 'manual', body, headers: { cookie } });
    expect(onB.status).toBe(303);
    expect(onB.headers.get('x-correlation-id')).toBe(login.headers.get('x-correlation-id'));
    // The learner session minted on B opens on A too.
    const landing = await fetch(`${h.runtime.url}${onB.headers.get('location')}`);
    expect(landing.status).toBe(200);

    const replayOnA = await fetch(`${h.runtime.url}/lti/launch`, { method: 'POST', redirect: 'manual', body, headers: { cookie } });
    expect(replayOnA.headers.get('x-tether-error')).toBe('nonce_replayed');
  });

  it('both nodes publish the same tool keys', async () => {
    const a = await (await fetch(`${h.runtime.url}/.well-known/jwks.json`)).json();
    const b = await (await fetch(`${nodeB.url}/.well-known/jwks.json`)).json();
    expect(a).toEqual(b);
  });
});
