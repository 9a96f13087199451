// Archived scenarios: a launch into one is refused with scenario_archived (the learner is told
// it is no longer available; the admin is told to unarchive it or relink the activity), the
// deep-linking picker leaves it out, and unarchiving makes it launchable again.
import { createScenario, type Scenario, setScenarioArchived } from '@tether/db';
import { explain } from '@tether/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { launch, timeline } from './launch-helpers.js';

let h: Harness;
let retired: Scenario;
beforeAll(async () => {
  h = await startHarness();
  retired = await createScenario(h.t.db, { workspace_id: h.workspaceId, slug: 'retired-drill', title: 'Retired drill' });
});
afterAll(async () => h?.close());

const INSTRUCTOR = ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'];

describe('archived scenarios', () => {
  it('a launch into an archived scenario is refused with scenario_archived, and recorded for troubleshooting', async () => {
    await setScenarioArchived(h.t.db, h.workspaceId, retired.id, true);
    const r = await launch(h, { custom: { scenario_id: 'retired-drill' } });
    expect(r.error).toBe('scenario_archived');
    expect(r.status).toBe(explain('scenario_archived')!.status);
    expect(r.body).toContain('This scenario is no longer available. Please ask your instructor.');
    const row = await h.t.db.selectFrom('launches').selectAll().where('correlation_id', '=', r.correlationId!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error_code: 'scenario_archived', user_id: null });
    const failed = (await timeline(h, r.correlationId!)).find((e) => e.step === 'scenario');
    expect(failed).toMatchObject({ outcome: 'error', error_code: 'scenario_archived' });
    expect(explain('scenario_archived')!.fix).toMatch(/unarchive the scenario in Scenarios.*relink the activity/);
  });

  it('by its id too; an unknown scenario is still scenario_not_found', async () => {
    expect((await launch(h, { custom: { scenario_id: retired.id } })).error).toBe('scenario_archived');
    expect((await launch(h, { custom: { scenario_id: 'never-existed' } })).error).toBe('scenario_not_found');
  });

  it('the deep-linking picker leaves archived scenarios out', async () => {
    const r = await launch(h, { messageType: 'LtiDeepLinkingRequest', roles: INSTRUCTOR, user: { sub: 'teacher-archive', name: 'Ada Teacher' }, custom: {} });
    expect(r.status).toBe(303);
    const html = await (await fetch(new URL(r.location!, h.runtime.url))).text();
    expect(html).toContain('Fire drill');
    expect(html).not.toContain('Retired drill');
    // A stale picker form that still names it is refused.
    const session = /name="session" value="([^"]+)"/.exec(html)![1]!;
    const res = await fetch(`${h.runtime.url}/lti/deep-link/respond`, {
      method: 'POST',
      body: new URLSearchParams([
        ['session', session],
        ['action', 'add'],
        ['scenario', retired.id],
      ]),
      redirect: 'manual',
    });
    expect(res.headers.get('x-tether-error')).toBe('deep_link_selection_invalid');
  });

  it('unarchived, it launches again', async () => {
    await setScenarioArchived(h.t.db, h.workspaceId, retired.id, false);
    // The directory caches hits for a few seconds; a fresh runtime would see it at once. Wait out the TTL.
    await new Promise((r) => setTimeout(r, 5_100));
    const r = await launch(h, { custom: { scenario_id: 'retired-drill' } });
    expect(r.error).toBeNull();
  });
});
