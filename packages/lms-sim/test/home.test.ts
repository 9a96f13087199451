// The home page a newcomer meets in the README's trial: registration form, launches into a scenario.
import { describe, expect, it } from 'vitest';
import { CLAIM, ROLE } from '../src/index.js';
import { setup } from './helpers.js';
import { formsByTestId, homeHtml, inputNameByLabel, launchClaims, submitUrl } from './ui-helpers.js';

describe('dynamic registration form', () => {
  it("suggests the runtime's registration URL and says where to copy it from", async () => {
    const { sim } = await setup();
    const [form] = formsByTestId(await homeHtml(sim), 'registration');
    expect(form).toContain('placeholder="http://localhost:3001/lti/register?token=…"');
    expect(form).not.toContain('localhost:3000');
    expect(form).toContain('copy it from the dashboard: LTI settings → Dynamic registration');
    expect(inputNameByLabel(form!, 'Tool registration URL')).toBe('url');
  });

  it('accepts a pasted URL with stray spaces and keeps its token; explains a bad one', async () => {
    const { sim, tool } = await setup();
    const pasted = `  ${tool.registrationUrl}?token=abc  `;
    const start = await fetch(`${sim.url}/start-registration?url=${encodeURIComponent(pasted)}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(to.searchParams.get('token')).toBe('abc');
    expect(to.searchParams.get('openid_configuration')).toBe(sim.endpoints.openidConfiguration);
    const bad = await fetch(`${sim.url}/start-registration?url=localhost%3A3001%2Flti%2Fregister`);
    expect(bad.status).toBe(400);
    const body = await bad.text();
    expect(body).toContain('http://localhost:3001/lti/register?token=…');
    expect(body).toContain('<a href="/">Back to the course</a>');
  });
});

describe('quick launch into a scenario', () => {
  it('the Scenario field becomes the custom scenario_id claim, as learner or instructor', async () => {
    const { sim, tool } = await setup();
    const [form] = formsByTestId(await homeHtml(sim), 'quick-launch');
    const field = inputNameByLabel(form!, 'Scenario (custom scenario_id)');

    const learner = await launchClaims(tool, submitUrl(sim, form!, 'Launch as learner', { [field]: ' fire-drill ' }));
    expect(learner[CLAIM.custom]).toEqual({ scenario_id: 'fire-drill' });
    expect(learner[CLAIM.roles]).toEqual([ROLE.learner]);
    expect(learner[CLAIM.messageType]).toBe('LtiResourceLinkRequest');
    // Each scenario gets a link (and so a line item) of its own.
    expect(learner[CLAIM.resourceLink]).toEqual({ id: 'quick-fire-drill', title: 'Quick launch: fire-drill' });

    const instructor = await launchClaims(tool, submitUrl(sim, form!, 'Launch as instructor', { [field]: 'chemical-spill' }));
    expect(instructor[CLAIM.custom]).toEqual({ scenario_id: 'chemical-spill' });
    expect(instructor[CLAIM.roles]).toEqual([ROLE.instructor]);
    expect(instructor.name).toBe('Grace Hopper');
  });

  it('left empty, the launch carries no custom claim; the URL form keeps working', async () => {
    const { sim, tool } = await setup();
    const [form] = formsByTestId(await homeHtml(sim), 'quick-launch');
    const bare = await launchClaims(tool, submitUrl(sim, form!, 'Launch as learner'));
    expect(bare).not.toHaveProperty([CLAIM.custom]);
    expect(bare[CLAIM.resourceLink]).toMatchObject({ id: 'resource-link-1' });
    const viaUrl = await launchClaims(tool, `${sim.url}/launch?client_id=${sim.clientId}&as=learner&scenario_id=fire-drill`);
    expect(viaUrl[CLAIM.custom]).toEqual({ scenario_id: 'fire-drill' });
  });

  it('the deep-linking button sends an instructor LtiDeepLinkingRequest that accepts line items', async () => {
    const { sim, tool } = await setup();
    const [form] = formsByTestId(await homeHtml(sim), 'deep-link-launch');
    const claims = await launchClaims(tool, submitUrl(sim, form!, 'Add content (deep linking)'));
    expect(claims[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(claims[CLAIM.roles]).toEqual([ROLE.instructor]);
    expect(claims[CLAIM.deepLinkingSettings]).toMatchObject({ accept_types: ['ltiResourceLink'], accept_lineitem: true });
  });

  it('a launch that cannot happen says why and links back', async () => {
    const { sim } = await setup();
    const res = await fetch(`${sim.url}/launch?activity=nope&as=learner`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('<a href="/">Back to the course</a>');
  });
});
