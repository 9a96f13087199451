// Deep Linking 2.0 through real HTTP against lms-sim: an instructor's LtiDeepLinkingRequest
// opens the scenario picker; the choice goes back as a signed LtiDeepLinkingResponse that the
// platform verifies against the tool's JWKS; the created link then launches the scenario.
// docs/lti-requirements.md R24, R34, R51–R55; P32–P34, P36.

import { createScenario, type Scenario } from '@tether/db';
import { type LaunchSpec, parseAutoPostForm } from '@tether/lms-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { cookielessLaunch, counts, launch, postContinuation, timeline } from './launch-helpers.js';

const INSTRUCTOR = ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'];
const DL = {
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  data: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  msg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
};
// Decoded only (the platform, lms-sim, is the one that verifies).
const part = (jwt: string, i: 0 | 1) => JSON.parse(Buffer.from(jwt.split('.')[i]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const decodeProtectedHeader = (jwt: string) => part(jwt, 0);
const decodeJwt = (jwt: string) => part(jwt, 1) as Record<string, unknown> & { iat?: number; exp?: number };

const AGS_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
];

let h: Harness;
const scenarios: Record<string, Scenario> = {};

beforeAll(async () => {
  h = await startHarness();
  scenarios['fire-drill'] = await h.t.db.selectFrom('scenarios').selectAll().where('workspace_id', '=', h.workspaceId).where('slug', '=', 'fire-drill').executeTakeFirstOrThrow();
  scenarios['chemical-spill'] = await createScenario(h.t.db, {
    workspace_id: h.workspaceId,
    slug: 'chemical-spill',
    title: 'Chemical spill',
    description: 'Contain a <b>hazmat</b> leak & call "911".',
  });
  scenarios['first-aid'] = await createScenario(h.t.db, { workspace_id: h.workspaceId, slug: 'first-aid', title: 'First aid <script>alert(1)</script>', description: '' });
});
afterAll(async () => h?.close());

let teacherSeq = 0;
/** An instructor's deep-linking launch, up to the tool's answer to the id_token post. */
async function deepLinkLaunch(spec: LaunchSpec = {}) {
  return launch(h, { messageType: 'LtiDeepLinkingRequest', roles: INSTRUCTOR, user: { sub: `teacher-${++teacherSeq}`, name: 'Ada Teacher' }, custom: {}, ...spec });
}

async function get(location: string) {
  return fetch(new URL(location, h.runtime.url), { redirect: 'manual' });
}

/** Opens the picker the launch redirected to. */
async function openPicker(spec: LaunchSpec = {}) {
  const r = await deepLinkLaunch(spec);
  expect(r.error).toBeNull();
  expect(r.status).toBe(303);
  expect(r.location).toMatch(/^\/lti\/deep-link\?session=/);
  const res = await get(r.location!);
  const html = await res.text();
  expect(res.status).toBe(200);
  const session = /name="session" value="([^"]+)"/.exec(html)![1]!;
  const inputs = [...html.matchAll(/<input type="(radio|checkbox)" name="scenario" value="([^"]+)"/g)].map((m) => ({ type: m[1]!, id: m[2]! }));
  return { launch: r, res, html, session, inputs, correlationId: r.correlationId! };
}

async function respond(session: string, slugs: string[], action: 'add' | 'cancel' = 'add') {
  const body = new URLSearchParams([['session', session], ['action', action], ...slugs.map((s) => ['scenario', scenarios[s]?.id ?? s] as [string, string])]);
  return fetch(`${h.runtime.url}/lti/deep-link/respond`, { method: 'POST', body, redirect: 'manual' });
}

/** The browser's auto-post of the response form to the platform, and what the platform recorded. */
async function deliver(res: Response) {
  const html = await res.text();
  const form = parseAutoPostForm(html);
  const before = h.sim.deepLinkResponses().length;
  const posted = await fetch(form.action, { method: 'POST', body: new URLSearchParams(form.fields) });
  const recorded = h.sim.deepLinkResponses()[before]!;
  return { html, form, posted, recorded, claims: recorded.claims as Record<string, unknown>, items: (recorded.claims?.[DL.contentItems] ?? []) as Record<string, unknown>[] };
}

describe('the scenario picker (Deep Linking 2.0)', () => {
  it('an instructor picks a scenario; the platform verifies the signed response against the tool JWKS; the data claim is echoed', async () => {
    const data = 'd2l:{"course":7,"tool":"tether"} & <échoé> ✓  ';
    const before = await counts(h);
    const p = await openPicker({ deepLinking: { data } });

    // The picker: CSP-nonced, frameable by the LMS, every scenario with title, description and slug.
    const csp = p.res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    // Framable by the LMS that launched it, and nobody else.
    expect(csp).toContain(`frame-ancestors ${new URL(h.sim.endpoints.auth).origin}`);
    expect(p.res.headers.get('x-frame-options')).toBeNull();
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(p.html).toContain(`<script nonce="${nonce}">`);
    expect(p.html).toContain('type="search"');
    expect(p.html).toContain('Add to course');
    expect(p.html).toContain('Cancel');
    expect(p.inputs.map((i) => i.id).sort()).toEqual(
      Object.values(scenarios)
        .map((s) => s.id)
        .sort(),
    );
    expect(p.inputs.every((i) => i.type === 'checkbox')).toBe(true); // the sim sends accept_multiple: true
    expect(p.html).toContain('Evacuate the building safely.');
    expect(p.html).toContain('<code>chemical-spill</code>');
    // escaped, never markup
    expect(p.html).toContain('Contain a &lt;b&gt;hazmat&lt;/b&gt; leak &amp; call &quot;911&quot;.');
    expect(p.html).not.toContain('<script>alert(1)</script>');
    expect(p.html).toContain('First aid &lt;script&gt;alert(1)&lt;/script&gt;');

    // The launch landed on the picker: instructor provisioned, row landed as a deep-linking launch.
    expect(await counts(h)).toEqual({ users: before.users + 1, memberships: before.memberships + 1, identities: before.identities + 1 });
    const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', p.correlationId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'landed', message_type: 'LtiDeepLinkingRequest', scenario_id: null, resource_link_id: null, deployment_id: h.sim.deploymentId });
    expect(row.user_id).toBeTruthy();
    expect(row.roles).toEqual(INSTRUCTOR);

    // The answer: an auto-submitting form to deep_link_return_url with the single field JWT.
    const res = await respond(p.session, ['chemical-spill']);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/form-action \*/);
    const d = await deliver(res);
    expect(d.form).toMatchObject({ action: h.sim.endpoints.deepLinkReturn, method: 'post' });
    expect(Object.keys(d.form.fields)).toEqual(['JWT']);
    expect(d.html).toMatch(/<script nonce="[^"]+">[^<]*\.submit\(\)/);

    // The platform verified it (signature via the tool JWKS, iss, aud, exp, nonce, deployment, data).
    expect(d.recorded.errors).toEqual([]);
    expect(d.posted.status).toBe(200);
    const jwks = (await (await fetch(`${h.runtime.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    const header = decodeProtectedHeader(d.form.fields.JWT!);
    expect(header.alg).toBe('RS256');
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    expect(header.kid).toBe((await h.runtime.deps.keys.signingKey()).kid);
    const payload = decodeJwt(d.form.fields.JWT!);
    expect(payload).toMatchObject({ iss: h.sim.clientId, aud: h.sim.issuer, [DL.messageType]: 'LtiDeepLinkingResponse', [DL.deploymentId]: h.sim.deploymentId });
    expect(Number.isInteger(payload.iat) && Number.isInteger(payload.exp)).toBe(true);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(600);
    expect(payload[DL.data]).toBe(data); // P32: byte-for-byte
    expect(payload).not.toHaveProperty([DL.msg]);

    // The item: an explicit launch URL (P33, 36: the registered redirect URI), the custom
    // scenario_id, and a line item for passback.
    const chosen = scenarios['chemical-spill']!;
    expect(d.items).toEqual([
      {
        type: 'ltiResourceLink',
        title: 'Chemical spill',
        text: 'Contain a <b>hazmat</b> leak & call "911".',
        url: `${h.runtime.url}/lti/launch`,
        custom: { scenario_id: 'chemical-spill' },
        lineItem: { label: 'Chemical spill', scoreMaximum: 100, resourceId: chosen.id },
      },
    ]);

    // The timeline has both halves.
    const events = await timeline(h, p.correlationId);
    expect(events.map((e) => `${e.step}:${e.outcome}`)).toEqual([
      'login_received:ok',
      'platform_resolved:ok',
      'auth_redirect:ok',
      'launch_received:ok',
      'state:ok',
      'signature:ok',
      'claims:ok',
      'deployment:ok',
      'provisioning:ok',
      'deep_link_picker:ok',
      'deep_link_response:ok',
    ]);
    expect(events.find((e) => e.step === 'deep_link_picker')!.details).toMatchObject({ accept_types: ['ltiResourceLink'], accept_multiple: true, has_data: true });
    expect(events.find((e) => e.step === 'deep_link_response')!.details).toMatchObject({
      items: 1,
      cancelled: false,
      scenarios: ['chemical-spill'],
      line_items: 1,
      data_echoed: true,
      kid: header.kid,
      iss: h.sim.clientId,
      aud: h.sim.issuer,
    });
    // No token in the timeline.
    expect(JSON.stringify(events)).not.toContain(d.form.fields.JWT!.split('.')[2]!);

    // The next launch of the created link (its custom parameter, its line item) lands on the
    // chosen scenario with the line item ready for passback.
    const item = d.items[0]!;
    const li = item.lineItem as { label: string; scoreMaximum: number; resourceId: string };
    const lineItem = h.sim.createLineItem({
      contextId: 'course-1',
      label: li.label,
      scoreMaximum: li.scoreMaximum,
      resourceId: li.resourceId,
      resourceLinkId: 'rl-chemical-spill',
    });
    const next = await launch(h, {
      user: { sub: 'learner-dl-1', name: 'Lin Learner' },
      resourceLink: { id: 'rl-chemical-spill', title: item.title as string },
      targetLinkUri: item.url as string,
      custom: item.custom as Record<string, string>,
      ags: { lineitem: lineItem.id, lineitems: h.sim.lineItemsUrl('course-1'), scope: AGS_SCOPES },
    });
    expect(next.error).toBeNull();
    expect(next.status).toBe(303);
    const landing = await (await get(next.location!)).text();
    expect(landing).toContain('Chemical spill');
    const landed = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', next.correlationId!).executeTakeFirstOrThrow();
    expect(landed).toMatchObject({ status: 'landed', scenario_id: chosen.id, ags_lineitem_url: lineItem.id, message_type: 'LtiResourceLinkRequest' });
    expect(landed.ags_scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
  });

  it('accept_multiple: several scenarios become several items', async () => {
    const p = await openPicker({ deepLinking: { accept_multiple: 'true' } });
    expect(p.inputs.every((i) => i.type === 'checkbox')).toBe(true);
    const d = await deliver(await respond(p.session, ['fire-drill', 'first-aid']));
    expect(d.recorded.errors).toEqual([]);
    expect(d.items.map((i) => (i.custom as Record<string, string>).scenario_id)).toEqual(['fire-drill', 'first-aid']);
    // an empty description is not sent as text
    expect(d.items[1]).not.toHaveProperty('text');
  });

  for (const acceptMultiple of [false, 'false'] as const) {
    it(`accept_multiple ${JSON.stringify(acceptMultiple)}: radio buttons, and the server refuses two scenarios`, async () => {
      const p = await openPicker({ deepLinking: { accept_multiple: acceptMultiple } });
      expect(p.inputs.length).toBe(3);
      expect(p.inputs.every((i) => i.type === 'radio')).toBe(true);
      expect(p.html).not.toContain('type="checkbox"');

      const sentBefore = h.sim.deepLinkResponses().length;
      const refused = await respond(p.session, ['fire-drill', 'chemical-spill']);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-tether-error')).toBe('deep_link_multiple_not_accepted');
      const page = await refused.text();
      expect(page).toContain("We couldn't add a scenario");
      expect(page).not.toContain('name="JWT"');
      expect(h.sim.deepLinkResponses().length).toBe(sentBefore);
      const events = await timeline(h, p.correlationId);
      expect(events.some((e) => e.step === 'deep_link_response' && e.error_code === 'deep_link_multiple_not_accepted')).toBe(true);

      // One scenario is fine, with the same picker session.
      const d = await deliver(await respond(p.session, ['fire-drill']));
      expect(d.recorded.errors).toEqual([]);
      expect(d.items).toHaveLength(1);
    });
  }

  for (const acceptLineItem of [false, 'false'] as const) {
    it(`accept_lineitem ${JSON.stringify(acceptLineItem)}: the item carries no lineItem`, async () => {
      const p = await openPicker({ deepLinking: { accept_lineitem: acceptLineItem } });
      const d = await deliver(await respond(p.session, ['fire-drill']));
      expect(d.recorded.errors).toEqual([]);
      expect(d.items).toHaveLength(1);
      expect(d.items[0]).not.toHaveProperty('lineItem');
      expect(d.items[0]).toMatchObject({ custom: { scenario_id: 'fire-drill' }, url: `${h.runtime.url}/lti/launch` });
      const events = await timeline(h, p.correlationId);
      expect(events.find((e) => e.step === 'deep_link_response')!.details).toMatchObject({ items: 1, line_items: 0, accept_lineitem: false });
    });
  }

  it('a platform that does not say accept_lineitem gets the line item', async () => {
    const p = await openPicker({ deepLinking: { accept_lineitem: undefined } });
    const d = await deliver(await respond(p.session, ['fire-drill']));
    expect(d.items[0]!.lineItem).toEqual({ label: 'Fire drill', scoreMaximum: 100, resourceId: scenarios['fire-drill']!.id });
  });

  it('accept_types without ltiResourceLink: a clear error page, nothing sent, nothing provisioned', async () => {
    const before = await counts(h);
    const sentBefore = h.sim.deepLinkResponses().length;
    const r = await deepLinkLaunch({ deepLinking: { accept_types: ['link', 'file', 'html'] } });
    expect(r.status).toBe(400);
    expect(r.error).toBe('deep_link_type_not_accepted');
    expect(r.body).toContain("We couldn't add a scenario");
    expect(r.body).toContain('accepts link, file, html');
    expect(r.body).toContain(`value="${r.correlationId}"`);
    expect(r.body).not.toContain('name="JWT"');
    expect(h.sim.deepLinkResponses().length).toBe(sentBefore);
    expect(await counts(h)).toEqual(before);
    const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error_code: 'deep_link_type_not_accepted' });
    const steps = (await timeline(h, r.correlationId!)).map((e) => `${e.step}:${e.outcome}`);
    expect(steps.slice(-2)).toEqual(['deep_link_picker:error', 'failed:error']);
  });

  it('cancel: an empty content_items with a message, data still echoed', async () => {
    const p = await openPicker({ deepLinking: { data: 'cancel-data-1' } });
    const d = await deliver(await respond(p.session, [], 'cancel'));
    expect(d.recorded.errors).toEqual([]);
    expect(d.claims[DL.contentItems]).toEqual([]);
    expect(d.claims[DL.msg]).toBe('No scenario was added');
    expect(d.claims[DL.data]).toBe('cancel-data-1');
    const events = await timeline(h, p.correlationId);
    expect(events.find((e) => e.step === 'deep_link_response')!.details).toMatchObject({ items: 0, cancelled: true });
  });

  it('a request without data gets a response without the data claim', async () => {
    const p = await openPicker({ deepLinking: { data: null } });
    const d = await deliver(await respond(p.session, ['fire-drill']));
    expect(d.recorded.errors).toEqual([]);
    expect(d.claims).not.toHaveProperty([DL.data]);
  });

  it('"Add" with nothing chosen shows the picker again; an unknown scenario is refused', async () => {
    const p = await openPicker();
    const empty = await respond(p.session, []);
    expect(empty.status).toBe(400);
    const again = await empty.text();
    expect(again).toContain('Choose a scenario first');
    expect(again).toContain(`value="${p.session}"`);
    const unknown = await respond(p.session, ['00000000-0000-4000-8000-000000000000']);
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-tether-error')).toBe('deep_link_selection_invalid');
    const notUuid = await respond(p.session, ['fire-drill-by-slug']);
    expect(notUuid.headers.get('x-tether-error')).toBe('deep_link_selection_invalid');
  });

  it('answers once: a second submit of the same picker is refused and nothing more is sent', async () => {
    const p = await openPicker();
    const first = await respond(p.session, ['fire-drill']);
    expect(first.status).toBe(200);
    const second = await respond(p.session, ['chemical-spill']);
    expect(second.status).toBe(409);
    expect(second.headers.get('x-tether-error')).toBe('deep_link_already_sent');
    const reopened = await get(`/lti/deep-link?session=${encodeURIComponent(p.session)}`);
    expect(reopened.headers.get('x-tether-error')).toBe('deep_link_already_sent');
    const events = await timeline(h, p.correlationId);
    expect(events.filter((e) => e.step === 'deep_link_response' && e.outcome === 'ok')).toHaveLength(1);
  });

  it('refuses a tampered, a foreign and an expired picker session', async () => {
    const p = await openPicker();
    const [head, body, sig] = p.session.split('.') as [string, string, string];
    const tampered = `${head}.${body}.${sig.slice(0, -4)}${sig.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    for (const res of [await get(`/lti/deep-link?session=${encodeURIComponent(tampered)}`), await respond(tampered, ['fire-drill']), await get('/lti/deep-link')]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('x-tether-error')).toBe('deep_link_session_invalid');
      const page = await res.text();
      expect(page).toContain("We couldn't add a scenario");
      expect(page).not.toContain('name="JWT"');
    }
    // A valid token for another purpose (a learner session) is not a picker session.
    const foreign = await h.runtime.deps.tokens.sign({ purpose: 'learner-session', data: { cid: 'x' }, ttlSec: 600 });
    expect((await respond(foreign.token, ['fire-drill'])).headers.get('x-tether-error')).toBe('deep_link_session_invalid');
    // The same context, signed 31 minutes ago with the picker's 30-minute lifetime.
    const { data } = await h.runtime.deps.tokens.verify(p.session, { purpose: 'deep-link' });
    const old = await h.runtime.deps.tokens.sign({ purpose: 'deep-link', data, ttlSec: 1800, now: new Date(Date.now() - 31 * 60_000) });
    for (const res of [await get(`/lti/deep-link?session=${encodeURIComponent(old.token)}`), await respond(old.token, ['fire-drill'])]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('x-tether-error')).toBe('deep_link_session_expired');
      expect(await res.text()).toContain('expired');
    }
    // The real session still works.
    expect((await respond(p.session, ['fire-drill'])).status).toBe(200);
  });

  it('a replayed deep-linking launch is refused and opens no second picker', async () => {
    const first = await deepLinkLaunch();
    expect(first.status).toBe(303);
    const replay = await deepLinkLaunch({ tamper: { replayOf: first.idToken! } });
    expect(replay.error).toBe('nonce_mismatch');
  });
});

describe('cookie-less deep linking (LTI platform storage)', () => {
  it('proves the state from platform storage, then opens the picker', async () => {
    // No cookie (Safari): the launch answers the storage check page.
    const before = await counts(h);
    const c = await cookielessLaunch(h, { messageType: 'LtiDeepLinkingRequest', roles: INSTRUCTOR, custom: {}, user: { sub: 'safari-teacher' } });
    expect(c.checkPage).toContain('lti.get_data');
    expect(await counts(h)).toEqual(before);
    expect(c.continueUrl).toBe(`${h.runtime.url}/lti/launch/continue`);
    const ok = await postContinuation(c, c.proof);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/lti\/deep-link\?session=/);
    expect(await counts(h)).toEqual({ users: before.users + 1, memberships: before.memberships + 1, identities: before.identities + 1 });
    const picker = await (await get(ok.headers.get('location')!)).text();
    const session = /name="session" value="([^"]+)"/.exec(picker)![1]!;
    const d = await deliver(await respond(session, ['fire-drill']));
    expect(d.recorded.errors).toEqual([]);
    const steps = (await timeline(h, ok.headers.get('x-correlation-id')!)).map((e) => e.step);
    expect(steps.filter((s) => s === 'state')).toHaveLength(2);
    expect(steps.slice(-3)).toEqual(['provisioning', 'deep_link_picker', 'deep_link_response']);
    // The continuation is single use; a failed storage read is state_missing.
    expect((await postContinuation(c, c.proof)).headers.get('x-tether-error')).toBe('nonce_replayed');
    expect((await postContinuation(c, { storage_error: 'key_not_found' })).headers.get('x-tether-error')).toBe('state_missing');
  });
});
