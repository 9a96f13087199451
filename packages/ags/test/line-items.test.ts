import { describe, expect, it } from 'vitest';
import { AGS_MEDIA_TYPES, AGS_SCOPES } from '../src/index.js';
import { rejection, score, setup } from './helpers.js';

describe('line items and results', () => {
  it('creates a line item with Content-Type application/vnd.ims.lis.v2.lineitem+json', async () => {
    const h = await setup();
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    const li = await ags.createLineItem(container, {
      label: 'Essay',
      scoreMaximum: 25,
      resourceLinkId: 'rl-1',
      resourceId: 'essay-1',
      tag: 'grade',
      endDateTime: new Date('2030-01-01T00:00:00Z'),
    });
    expect(li).toMatchObject({ label: 'Essay', scoreMaximum: 25, resourceLinkId: 'rl-1', resourceId: 'essay-1', tag: 'grade' });
    expect(li.endDateTime).toBe('2030-01-01T00:00:00.000Z');
    expect(h.sim.lineItems('course-1').map((x) => x.id)).toEqual([li.id]);
    const post = h.sim.requestLog().find((e) => e.method === 'POST' && e.path.startsWith('/ags/'));
    expect(post).toMatchObject({ status: 201, contentType: AGS_MEDIA_TYPES.lineItem, accept: AGS_MEDIA_TYPES.lineItem });
  });

  it('refuses a line item without label or with scoreMaximum ≤ 0 before sending', async () => {
    const h = await setup();
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    for (const [input, field] of [
      [{ label: ' ', scoreMaximum: 10 }, 'label'],
      [{ label: 'X', scoreMaximum: 0 }, 'scoreMaximum'],
      [{ label: 'X', scoreMaximum: -5 }, 'scoreMaximum'],
      [{ label: 'X', scoreMaximum: Number.POSITIVE_INFINITY }, 'scoreMaximum'],
      [{ label: 'X', scoreMaximum: 10, endDateTime: 'tomorrow' }, 'endDateTime'],
    ] as const) {
      const err = await rejection(ags.createLineItem(container, input as never));
      expect(err).toMatchObject({ code: 'ags_invalid_lineitem' });
      expect(err.details.field).toBe(field);
    }
    expect(h.sim.requestLog()).toHaveLength(0);
  });

  it('lists line items across pages with the container Accept type and filters', async () => {
    const h = await setup();
    for (let i = 0; i < 25; i++) {
      h.sim.createLineItem({ label: `Item ${i}`, scoreMaximum: 10, tag: i % 2 === 0 ? 'even' : 'odd', resourceLinkId: `rl-${i % 5}` });
    }
    h.sim.createLineItem({ contextId: 'other-course', label: 'Elsewhere', scoreMaximum: 10 });
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    const all = await ags.listLineItems(container, { limit: 10 });
    expect(all).toHaveLength(25);
    expect(new Set(all.map((x) => x.id)).size).toBe(25);
    const gets = h.sim.requestLog().filter((e) => e.method === 'GET' && e.path.startsWith('/ags/course-1/lineitems'));
    expect(gets).toHaveLength(3);
    for (const g of gets) expect(g.accept).toBe(AGS_MEDIA_TYPES.lineItemContainer);

    expect(await ags.listLineItems(container, { tag: 'even', limit: 4 })).toHaveLength(13);
    const rl = await ags.listLineItems(container, { resourceLinkId: 'rl-3' });
    expect(rl.map((x) => x.resourceLinkId)).toEqual(['rl-3', 'rl-3', 'rl-3', 'rl-3', 'rl-3']);
    expect(await ags.listLineItems(container, { resourceId: 'nope' })).toEqual([]);
  });

  it('moodle: keeps ?type_id=1 on the container, its pages and the results URL', async () => {
    const h = await setup({ mode: 'moodle' });
    for (let i = 0; i < 5; i++) h.sim.createLineItem({ label: `Item ${i}`, scoreMaximum: 10, resourceLinkId: 'rl-1' });
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    expect(container).toMatch(/\?type_id=1$/);
    const items = await ags.listLineItems(container, { resourceLinkId: 'rl-1', limit: 2 });
    expect(items).toHaveLength(5);
    const li = await ags.getLineItem(items[0]!.id);
    expect(li.id).toBe(items[0]!.id);
    await ags.postScore(li.id, score('learner-1'));
    const results = await ags.getResults(li.id);
    expect(results).toHaveLength(1);
    expect(h.sim.requestLog().every((e) => e.status < 400)).toBe(true);
    expect(h.sim.requestLog().some((e) => e.path === `${new URL(li.id).pathname}/results?type_id=1`)).toBe(true);
  });

  it('findOrCreateLineItem creates once, then finds; concurrent calls create one column', async () => {
    const h = await setup();
    const { ags } = h.client();
    const container = h.sim.lineItemsUrl('course-1');
    const input = { resourceLinkId: 'rl-quiz', label: 'Quiz', scoreMaximum: 10 };
    const first = await ags.findOrCreateLineItem(container, input);
    expect(first.created).toBe(true);
    const second = await ags.findOrCreateLineItem(container, input);
    expect(second).toEqual({ lineItem: first.lineItem, created: false });

    const input2 = { resourceLinkId: 'rl-essay', label: 'Essay', scoreMaximum: 20 };
    const concurrent = await Promise.all([1, 2, 3].map(() => ags.findOrCreateLineItem(container, input2)));
    expect(new Set(concurrent.map((c) => c.lineItem.id)).size).toBe(1);
    expect(h.sim.lineItems('course-1')).toHaveLength(2);
  });

  it('findOrCreateLineItem needs the lineitem scope and a valid line item up front', async () => {
    const h = await setup();
    const container = h.sim.lineItemsUrl('course-1');
    const readonly = h.client({ grantedScopes: [AGS_SCOPES.lineItemReadonly, AGS_SCOPES.score] }).ags;
    const err = await rejection(readonly.findOrCreateLineItem(container, { resourceLinkId: 'rl', label: 'Q', scoreMaximum: 10 }));
    expect(err.code).toBe('ags_scope_missing');
    const { ags } = h.client();
    expect((await rejection(ags.findOrCreateLineItem(container, { resourceLinkId: '', label: 'Q', scoreMaximum: 10 }))).code).toBe('ags_invalid_lineitem');
    expect((await rejection(ags.findOrCreateLineItem(container, { resourceLinkId: 'rl', label: 'Q', scoreMaximum: 0 }))).code).toBe('ags_invalid_lineitem');
    expect(h.sim.requestLog()).toHaveLength(0);
  });

  it('updates and deletes a line item', async () => {
    const h = await setup();
    const { ags } = h.client();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 10 });
    const updated = await ags.updateLineItem(li.id, { label: 'Quiz (final)', scoreMaximum: 20 });
    expect(updated).toMatchObject({ id: li.id, label: 'Quiz (final)', scoreMaximum: 20 });
    const put = h.sim.requestLog().find((e) => e.method === 'PUT');
    expect(put?.contentType).toBe(AGS_MEDIA_TYPES.lineItem);
    await ags.deleteLineItem(li.id);
    expect(h.sim.lineItems()).toHaveLength(0);
  });

  it('reads results with the result container Accept type, a user filter and paging', async () => {
    const h = await setup();
    const li = h.sim.createLineItem({ label: 'Quiz', scoreMaximum: 20 });
    const { ags } = h.client();
    for (let i = 0; i < 5; i++) await ags.postScore(li.id, score(`learner-${i}`, { scoreGiven: i, scoreMaximum: 10 }));
    const all = await ags.getResults(li.id, { limit: 2 });
    expect(all.map((r) => r.userId).sort()).toEqual(['learner-0', 'learner-1', 'learner-2', 'learner-3', 'learner-4']);
    const gets = h.sim.requestLog().filter((e) => e.method === 'GET' && e.path.includes('/results'));
    expect(gets).toHaveLength(3);
    for (const g of gets) expect(g.accept).toBe(AGS_MEDIA_TYPES.resultContainer);
    const one = await ags.getResults(li.id, { userId: 'learner-3' });
    expect(one).toEqual([expect.objectContaining({ userId: 'learner-3', resultScore: 6, resultMaximum: 20 })]);
  });
});
