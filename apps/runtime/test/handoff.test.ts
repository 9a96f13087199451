// The hand-off to the host product's scenario player: after a landing, a signed launch context
// (RS256, the tool's current key, 5 minutes, single use at the host) posted in a form field —
// never in a URL — which the host verifies with @tether/crypto against the runtime's JWKS.
import { createHandoffVerifier, isCryptoError } from '@tether/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type Harness, startHarness } from './harness.js';
import { launch, timeline } from './launch-helpers.js';

const PLAYER = 'https://player.example/play';
let redirect: Harness;
let linked: Harness;
let plain: Harness;
beforeAll(async () => {
  redirect = await startHarness({ env: { SCENARIO_PLAYER_URL: PLAYER } });
  [linked, plain] = await Promise.all([startHarness({ env: { SCENARIO_PLAYER_URL: PLAYER, SCENARIO_PLAYER_MODE: 'link' } }), startHarness()]);
});
afterAll(async () => Promise.all([redirect?.close(), linked?.close(), plain?.close()]));

const ADA = { sub: 'ada-1', name: 'Ada Lovelace', email: 'ada@example.edu' };

/** Launch, then open the landing the launch redirected to, as the browser would. */
async function land(h: Harness, spec: Parameters<typeof launch>[1] = {}) {
  const r = await launch(h, { user: ADA, roles: ['Learner'], ...spec });
  expect(r.status).toBe(303);
  const res = await fetch(new URL(r.location!, h.runtime.url), { redirect: 'manual' });
  return { res, html: await res.text(), correlationId: r.correlationId! };
}

const tokenOf = (html: string) => /name="tether_launch" value="([^"]+)"/.exec(html)?.[1];
const verifierFor = (h: Harness) =>
  createHandoffVerifier({ jwksUrl: `${h.runtime.url}/.well-known/jwks.json`, issuer: h.runtime.url, audience: 'https://player.example', allowInsecureHosts: ['127.0.0.1'] });

describe('hand-off to the scenario player', () => {
  it('posts a signed launch context to SCENARIO_PLAYER_URL at once (redirect mode), in a form field, not the URL', async () => {
    const { res, html, correlationId } = await land(redirect);
    expect(res.status).toBe(200);
    expect(html).toContain(`<form id="handoff" method="post" action="${PLAYER}">`);
    expect(html).toContain("document.getElementById('handoff').submit()");
    const token = tokenOf(html)!;
    expect(token.split('.')).toHaveLength(3);

    const verified = await verifierFor(redirect).verify(token);
    const launchRow = await redirect.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', correlationId).executeTakeFirstOrThrow();
    expect(verified.launch).toEqual({ id: launchRow.id, correlationId });
    expect(verified.learner).toEqual({ id: launchRow.user_id, name: 'Ada Lovelace', email: 'ada@example.edu' });
    expect(verified.scenario).toEqual({ id: launchRow.scenario_id, slug: 'fire-drill' });
    expect(verified.workspace).toEqual({ id: redirect.workspaceId });
    expect(verified.roles).toContain('http://purl.imsglobal.org/vocab/lis/v2/membership#Learner');
    expect(verified.canSendGrade).toBe(true);
    expect(verified.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    expect(verified.expiresAt.getTime() - Date.now()).toBeGreaterThan(240_000);

    // The first view records where the learner went next.
    const steps = await timeline(redirect, correlationId);
    expect(steps.at(-1)).toMatchObject({ step: 'handoff', outcome: 'ok', details: { player: 'https://player.example', mode: 'redirect' } });
  });

  it('a hand-off token is single use at the host: the second verify is refused (handoff_token_replayed)', async () => {
    const { html } = await land(redirect);
    const verifier = verifierFor(redirect);
    const token = tokenOf(html)!;
    await verifier.verify(token);
    const again = await verifier.verify(token).catch((e: unknown) => e);
    expect(isCryptoError(again) && again.code).toBe('handoff_token_replayed');
  });

  it('a launch without a grade line item says so: canSendGrade is false', async () => {
    const { html } = await land(redirect, { ags: false });
    expect((await verifierFor(redirect).verify(tokenOf(html)!)).canSendGrade).toBe(false);
  });

  it('link mode shows a "Start scenario" button that posts the context, without posting by itself', async () => {
    const { html } = await land(linked);
    expect(html).toContain('<button type="submit">Start scenario</button>');
    expect(html).not.toContain("getElementById('handoff').submit()");
    expect(tokenOf(html)).toBeDefined();
  });

  it('without a scenario player, the built-in landing shows the launch and correlation IDs and no dead button', async () => {
    const { html, correlationId } = await land(plain);
    const launchRow = await plain.t.db.selectFrom('launches').select('id').where('correlation_id', '=', correlationId).executeTakeFirstOrThrow();
    expect(html).not.toContain('Start scenario');
    expect(html).not.toContain('tether_launch');
    expect(html).toContain(launchRow.id);
    expect(html).toContain(correlationId);
    expect((await timeline(plain, correlationId)).map((e) => e.step)).not.toContain('handoff');
  });

  it('refuses a plain-http player in production, and an unknown mode', () => {
    const base = { NODE_ENV: 'production', TETHER_SECRET: 's'.repeat(40) };
    expect(() => loadConfig({ ...base, SCENARIO_PLAYER_URL: 'http://player.example' })).toThrow(/SCENARIO_PLAYER_URL: must be https in production/);
    expect(() => loadConfig({ SCENARIO_PLAYER_MODE: 'popup' })).toThrow(/SCENARIO_PLAYER_MODE/);
    expect(loadConfig({ ...base, SCENARIO_PLAYER_URL: 'https://player.example' }).SCENARIO_PLAYER_URL).toBe('https://player.example');
  });
});
