// Deep-linked items become activities of the course: placed with their line item, launchable
// from the home page with their resource link, custom parameters, url and lineitem.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLAIM, DEFAULT_AGS_SCOPES, type LmsSim, MEDIA, parseAutoPostForm, ROLE } from '../src/index.js';
import type { FakeTool } from './fake-tool.js';
import { setup } from './helpers.js';
import { formsByTestId, homeHtml, launchClaims, submitUrl } from './ui-helpers.js';

const FIRE_DRILL = {
  type: 'ltiResourceLink',
  title: 'Fire drill',
  text: 'Evacuate <b>calmly</b>.',
  custom: { scenario_id: 'fire-drill' },
  lineItem: { scoreMaximum: 100, label: 'Fire drill (graded)', resourceId: 'scn-1', tag: 'scenario' },
};

/** An instructor's deep-linking launch from the home page, answered by the tool with `items`. */
async function deepLink(sim: LmsSim, tool: FakeTool, items: unknown[], launchPath = `/launch?as=instructor&type=deep_linking`) {
  const req = await launchClaims(tool, `${sim.url}${launchPath}`);
  const settings = req[CLAIM.deepLinkingSettings] as { deep_link_return_url: string; data: string };
  const now = Math.floor(Date.now() / 1000);
  const jwt = await tool.sign({
    iss: sim.clientId,
    aud: sim.issuer,
    iat: now,
    exp: now + 300,
    nonce: randomUUID(),
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: req[CLAIM.deploymentId],
    [CLAIM.dlContentItems]: items,
    [CLAIM.dlData]: settings.data,
  });
  const res = await fetch(settings.deep_link_return_url, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
  return { res, html: await res.text() };
}

describe('deep-link return → activities', () => {
  it('places each resource link as an activity and creates the line items it asks for, bound to the new link', async () => {
    const { sim, tool } = await setup();
    const plain = { type: 'ltiResourceLink', title: 'Chemical spill', url: `${tool.url}/scenario/chemical-spill`, custom: { scenario_id: 'chemical-spill' } };
    const { res } = await deepLink(sim, tool, [
      { ...FIRE_DRILL, url: `${tool.url}/scenario/fire-drill` },
      plain,
      { type: 'link', url: 'https://example.org', title: 'A web page' },
    ]);
    expect(res.status).toBe(200);

    const [fire, spill, ...rest] = sim.activities();
    expect(rest).toEqual([]);
    expect(fire).toMatchObject({ clientId: sim.clientId, deploymentId: sim.deploymentId, contextId: 'course-1', title: 'Fire drill', custom: { scenario_id: 'fire-drill' } });
    expect(spill).toMatchObject({ title: 'Chemical spill', url: plain.url, custom: { scenario_id: 'chemical-spill' } });
    expect(spill).not.toHaveProperty('lineItemUrl');
    expect(fire!.id).not.toBe(spill!.id);

    const items = sim.lineItems('course-1');
    expect(items).toEqual([{ id: fire!.lineItemUrl, label: 'Fire drill (graded)', scoreMaximum: 100, resourceId: 'scn-1', tag: 'scenario', resourceLinkId: fire!.id }]);
  });

  it('places the items in the course the request came from', async () => {
    const { sim, tool } = await setup();
    const init = sim.loginInitiation({ messageType: 'LtiDeepLinkingRequest', roles: [ROLE.instructor], context: { id: 'course-7', title: 'Chemistry' } });
    const login = await fetch(init.url, { redirect: 'manual' });
    const auth = await fetch(login.headers.get('location')!);
    const idToken = parseAutoPostForm(await auth.text()).fields.id_token!;
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const jwt = await tool.sign({
      iss: sim.clientId,
      aud: sim.issuer,
      iat: now,
      exp: now + 300,
      nonce: randomUUID(),
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: sim.deploymentId,
      [CLAIM.dlContentItems]: [FIRE_DRILL],
      [CLAIM.dlData]: (claims[CLAIM.deepLinkingSettings] as { data: string }).data,
    });
    const res = await fetch(sim.endpoints.deepLinkReturn, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
    expect(await res.text()).toContain('Chemistry');
    expect(sim.activities()[0]!.contextId).toBe('course-7');
    expect(sim.lineItems('course-7')).toHaveLength(1);
    // Its launch is in that course, and the item without a url launches the tool's default target.
    const spec = sim.activityLaunch(sim.activities()[0]!.id);
    expect(spec.context).toMatchObject({ id: 'course-7', title: 'Chemistry' });
    expect(spec.targetLinkUri).toBe(tool.launchUrl);
  });

  it('refuses items it cannot place (a line item without a positive scoreMaximum, non-string custom values) and places none', async () => {
    const { sim, tool } = await setup();
    const { res, html } = await deepLink(sim, tool, [
      { ...FIRE_DRILL, lineItem: { scoreMaximum: 0 } },
      { type: 'ltiResourceLink', custom: { attempts: 3 } },
    ]);
    expect(res.status).toBe(400);
    expect(html).toContain('content_items[0].lineItem.scoreMaximum');
    expect(html).toContain('content_items[1].custom.attempts');
    expect(html).toContain('<a href="/">Back to the course</a>');
    expect(sim.activities()).toEqual([]);
    expect(sim.lineItems()).toEqual([]);
  });
});

describe('the Content added page', () => {
  it('lists what was added, what was not, and links back to the course', async () => {
    const { sim, tool } = await setup();
    const { html } = await deepLink(sim, tool, [FIRE_DRILL, { type: 'html', html: '<p>hi</p>', title: 'Notes' }]);
    expect(html).toContain('<h1>Content added</h1>');
    const [list] = /<ul data-testid="content-added">[\s\S]*?<\/ul>/.exec(html)!;
    expect(list).toContain('<strong>Fire drill</strong>');
    expect(list).toContain('scenario_id=fire-drill');
    expect(list).toContain('line item “Fire drill (graded)” out of 100');
    expect(list).toMatch(/Notes .*type html: not placed/);
    expect(html).toContain('Simulated Course 101');
    expect(html).toContain('<a href="/">Back to the course</a>');
  });

  it('says so when the tool added nothing', async () => {
    const { sim, tool } = await setup();
    const { res, html } = await deepLink(sim, tool, []);
    expect(res.status).toBe(200);
    expect(html).toContain('The tool added nothing.');
    expect(html).toContain('<a href="/">Back to the course</a>');
  });
});

describe('launching an activity', () => {
  it("carries the item's resource link, custom parameters, url as target_link_uri and its lineitem", async () => {
    const { sim, tool } = await setup();
    const url = `${tool.url}/scenario/fire-drill`;
    await deepLink(sim, tool, [
      { ...FIRE_DRILL, url },
      { type: 'ltiResourceLink', title: 'Ungraded', custom: { scenario_id: 'first-aid' } },
    ]);
    const [fire, ungraded] = sim.activities();

    // The home page lists them with their launch buttons.
    const rows = formsByTestId(await homeHtml(sim), 'activity');
    expect(rows).toHaveLength(2);
    const fireRow = rows.find((r) => r.includes('Fire drill'))!;
    expect(fireRow).toContain(`data-resource-link-id="${fire!.id}"`);

    const claims = await launchClaims(tool, submitUrl(sim, fireRow, 'Launch as learner'));
    expect(claims[CLAIM.messageType]).toBe('LtiResourceLinkRequest');
    expect(claims[CLAIM.resourceLink]).toEqual({ id: fire!.id, title: 'Fire drill', description: 'Evacuate <b>calmly</b>.' });
    expect(claims[CLAIM.custom]).toEqual({ scenario_id: 'fire-drill' });
    expect(claims[CLAIM.targetLinkUri]).toBe(url);
    expect(claims[CLAIM.roles]).toEqual([ROLE.learner]);
    expect(claims[CLAIM.context]).toMatchObject({ id: 'course-1' });
    expect(claims[CLAIM.ags]).toEqual({ lineitem: fire!.lineItemUrl, lineitems: sim.lineItemsUrl('course-1'), scope: [...DEFAULT_AGS_SCOPES] });
    expect(tool.logins.at(-1)!.params.target_link_uri).toBe(url);

    const asInstructor = await launchClaims(tool, submitUrl(sim, fireRow, 'Launch as instructor'));
    expect(asInstructor[CLAIM.roles]).toEqual([ROLE.instructor]);
    expect(asInstructor[CLAIM.resourceLink]).toMatchObject({ id: fire!.id });

    // No line item asked for: none is made up; the tool may still create its own in the container.
    const plain = await launchClaims(tool, `${sim.url}/launch?activity=${ungraded!.id}&as=learner`);
    expect(plain[CLAIM.custom]).toEqual({ scenario_id: 'first-aid' });
    expect(plain[CLAIM.targetLinkUri]).toBe(tool.launchUrl);
    expect(plain[CLAIM.ags]).toEqual({ lineitems: sim.lineItemsUrl('course-1'), scope: [...DEFAULT_AGS_SCOPES] });
    expect(sim.lineItems()).toHaveLength(1);
  });

  it('shows the scores the tool posts, per activity and in the gradebook', async () => {
    const { sim, tool } = await setup();
    await deepLink(sim, tool, [FIRE_DRILL]);
    const [fire] = sim.activities();
    await launchClaims(tool, `${sim.url}/launch?activity=${fire!.id}&as=learner`);
    expect(formsByTestId(await homeHtml(sim), 'activity')[0]).toContain('none yet');

    const token = sim.issueAccessToken();
    const post = (userId: string, scoreGiven: number, scoreMaximum: number) =>
      fetch(`${fire!.lineItemUrl}/scores`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': MEDIA.score },
        body: JSON.stringify({ userId, scoreGiven, scoreMaximum, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() }),
      });
    expect((await post('sim-learner-1', 80, 100)).status).toBe(200);
    expect((await post('someone-else', 4, 10)).status).toBe(200);

    const home = await homeHtml(sim);
    const [row] = formsByTestId(home, 'activity');
    // Named when the sim launched them; scaled to the line item when sent out of another maximum.
    expect(row).toContain('Ada Lovelace: <strong>80 / 100</strong>');
    expect(row).toContain('someone-else: <strong>4 / 10 (= 40 / 100)</strong>');
    expect(row).toContain('Completed, FullyGraded');
    const gradebook = /<table data-testid="gradebook">[\s\S]*?<\/table>/.exec(home)![0];
    expect(gradebook).toContain('Fire drill (graded)');
    expect(gradebook).toContain('80 / 100');
  });

  it('addActivity places a link programmatically', async () => {
    const { sim, tool } = await setup();
    const a = sim.addActivity({ title: 'Night shift', custom: { scenario_id: 'night-shift' }, lineItem: { scoreMaximum: 10 } });
    expect(sim.lineItems('course-1')[0]).toMatchObject({ label: 'Night shift', scoreMaximum: 10, resourceLinkId: a.id });
    const claims = await launchClaims(tool, `${sim.url}/launch?activity=${a.id}`);
    expect(claims[CLAIM.custom]).toEqual({ scenario_id: 'night-shift' });
    expect((claims[CLAIM.ags] as { lineitem: string }).lineitem).toBe(a.lineItemUrl);
  });
});
