// A login state is used exactly once, by every path that ends a login: a landing, the
// deep-linking picker, the cookie-less continuation, and a failure. Each path below ends a
// login, then replays it: the replay is refused and the state's consumption is not redone.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchSpec, simulateBrowserLaunch } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { cookielessLaunch, postContinuation, replayLaunch } from './launch-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const INSTRUCTOR = ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'];

async function stateRow(correlationId: string) {
  return h.t.db.selectFrom('login_states').select(['state', 'consumed_at']).where('correlation_id', '=', correlationId).executeTakeFirstOrThrow();
}

/** Ends a login through the cookie path, then posts the very same launch again. */
async function endThenReplay(spec: LaunchSpec) {
  const first = await simulateBrowserLaunch(h.sim, spec);
  const res = first.launch!;
  const correlationId = res.headers.get('x-correlation-id')!;
  const used = await stateRow(correlationId);
  const replay = await replayLaunch(first);
  return { res, used, replay, after: await stateRow(correlationId) };
}

describe('every path that ends a login uses its state exactly once', () => {
  it('landing on a scenario', async () => {
    const r = await endThenReplay({ custom: { scenario_id: 'fire-drill' }, user: { sub: 'once-landing' } });
    expect(r.res.status).toBe(303);
    expect(r.used.consumed_at).not.toBeNull();
    expect(r.replay.headers.get('x-tether-error')).toBe('nonce_replayed');
    expect(r.after.consumed_at).toEqual(r.used.consumed_at);
  });

  it('opening the deep-linking picker', async () => {
    const r = await endThenReplay({ messageType: 'LtiDeepLinkingRequest', roles: INSTRUCTOR, custom: {}, user: { sub: 'once-picker' } });
    expect(r.res.headers.get('location')).toMatch(/^\/lti\/deep-link\?session=/);
    expect(r.used.consumed_at).not.toBeNull();
    expect(r.replay.headers.get('x-tether-error')).toBe('nonce_replayed');
    expect(r.after.consumed_at).toEqual(r.used.consumed_at);
  });

  it('a failed launch', async () => {
    const r = await endThenReplay({ custom: { scenario_id: 'no-such-scenario' }, user: { sub: 'once-failure' } });
    expect(r.res.headers.get('x-tether-error')).toBe('scenario_not_found');
    expect(r.used.consumed_at).not.toBeNull();
    expect(r.replay.headers.get('x-tether-error')).toBe('nonce_replayed');
    expect(r.after.consumed_at).toEqual(r.used.consumed_at);
  });

  it('the cookie-less continuation: unused until it completes, then used once', async () => {
    const c = await cookielessLaunch(h, { user: { sub: 'once-storage' } });
    const { correlationId } = c;
    // The storage check page itself ends nothing: the state waits for the proof.
    expect((await stateRow(correlationId)).consumed_at).toBeNull();
    const ok = await postContinuation(c, c.proof);
    expect(ok.status).toBe(303);
    const used = await stateRow(correlationId);
    expect(used.consumed_at).not.toBeNull();
    const again = await postContinuation(c, c.proof);
    expect(again.headers.get('x-tether-error')).toBe('nonce_replayed');
    expect((await stateRow(correlationId)).consumed_at).toEqual(used.consumed_at);
  });

  it('the cookie-less continuation into the picker, and a failed storage read', async () => {
    const dl = await cookielessLaunch(h, { messageType: 'LtiDeepLinkingRequest', roles: INSTRUCTOR, custom: {}, user: { sub: 'once-storage-picker' } });
    const ok = await postContinuation(dl, dl.proof);
    expect(ok.headers.get('location')).toMatch(/^\/lti\/deep-link\?session=/);
    expect((await stateRow(dl.correlationId)).consumed_at).not.toBeNull();

    const failed = await cookielessLaunch(h, { user: { sub: 'once-storage-failed' } });
    const res = await postContinuation(failed, { storage_error: 'key_not_found' });
    expect(res.headers.get('x-tether-error')).toBe('state_missing');
    const used = await stateRow(failed.correlationId);
    expect(used.consumed_at).not.toBeNull();
    expect((await postContinuation(failed, failed.proof)).headers.get('x-tether-error')).toBe('nonce_replayed');
    expect((await stateRow(failed.correlationId)).consumed_at).toEqual(used.consumed_at);
  });
});

describe('one place consumes login states', () => {
  it('only packages/db/src/repos/launches.ts writes login_states.consumed_at', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const writers: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'test' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /updateTable\(\s*'login_states'\s*\)/.test(readFileSync(path, 'utf8'))) writers.push(relative(root, path));
      }
    };
    for (const top of ['apps', 'packages']) walk(join(root, top));
    expect(writers).toEqual(['packages/db/src/repos/launches.ts']);
  });
});
