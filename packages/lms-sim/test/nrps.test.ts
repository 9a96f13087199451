import { describe, expect, it } from 'vitest';
import { MEDIA, type Member, ROLE, SCOPE } from '../src/index.js';
import { loginAndAuth, setup } from './helpers.js';

const UA = { 'user-agent': 'tether-test/1.0' };

function links(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (res.headers.get('link') ?? '').matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)) out[m[2]!] = m[1]!;
  return out;
}

function roster(n: number): Member[] {
  return Array.from({ length: n }, (_, i) => ({
    user_id: `u${i + 1}`,
    roles: [i === 0 ? ROLE.instructor : ROLE.learner],
    name: `User ${i + 1}`,
  }));
}

describe('NRPS', () => {
  it('pages with Link rel="next" (default page size 10) and offers rel="differences"', async () => {
    const { sim } = await setup();
    sim.setRoster('course-1', roster(23), { label: 'SIM101', title: 'Course' });
    const token = sim.issueAccessToken({ scopes: [SCOPE.nrps] });
    const headers = { ...UA, accept: MEDIA.membershipContainer, authorization: `Bearer ${token}` };
    let url: string | undefined = sim.membershipsUrl('course-1');
    const seen: string[] = [];
    let pages = 0;
    let diff: string | undefined;
    while (url) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(MEDIA.membershipContainer);
      const body = (await res.json()) as { id: string; context: { id: string; label: string }; members: Member[] };
      expect(body.context).toMatchObject({ id: 'course-1', label: 'SIM101' });
      seen.push(...body.members.map((m) => m.user_id));
      pages++;
      const l = links(res);
      diff = l.differences;
      url = l.next;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    expect(diff).toBeTruthy();

    // differences: after a change only the changed members come back, removals as Deleted
    sim.setRoster('course-1', [...roster(23).slice(0, 22), { user_id: 'u99', roles: [ROLE.learner] }]);
    const d = (await (await fetch(diff!, { headers })).json()) as { members: Member[] };
    expect(d.members.map((m) => [m.user_id, m.status])).toEqual([
      ['u23', 'Deleted'],
      ['u99', 'Active'],
    ]);
  });

  it('honours limit and the role filter (full URI or short name)', async () => {
    const { sim } = await setup();
    sim.setRoster('c', roster(7));
    const token = sim.issueAccessToken({ scopes: [SCOPE.nrps] });
    const headers = { ...UA, accept: MEDIA.membershipContainer, authorization: `Bearer ${token}` };
    const page = await fetch(`${sim.membershipsUrl('c')}?limit=3`, { headers });
    expect(((await page.json()) as { members: unknown[] }).members).toHaveLength(3);
    expect(links(page).next).toMatch(/limit=3/);
    for (const role of [ROLE.instructor, 'Instructor']) {
      const res = await fetch(`${sim.membershipsUrl('c')}?role=${encodeURIComponent(role)}`, { headers });
      const body = (await res.json()) as { members: Member[] };
      expect(body.members.map((m) => m.user_id)).toEqual(['u1']);
      expect(links(res).next).toBeUndefined();
    }
  });

  it('requires the membership Accept type and the contextmembership scope', async () => {
    const { sim } = await setup();
    sim.setRoster('c', roster(2));
    const good = sim.issueAccessToken({ scopes: [SCOPE.nrps] });
    const wrongAccept = await fetch(sim.membershipsUrl('c'), { headers: { ...UA, accept: 'application/json', authorization: `Bearer ${good}` } });
    expect(wrongAccept.status).toBe(406);
    const agsOnly = sim.issueAccessToken({ scopes: [SCOPE.score] });
    const forbidden = await fetch(sim.membershipsUrl('c'), {
      headers: { ...UA, accept: MEDIA.membershipContainer, authorization: `Bearer ${agsOnly}` },
    });
    expect(forbidden.status).toBe(403);
    const noToken = await fetch(sim.membershipsUrl('c'), { headers: { ...UA, accept: MEDIA.membershipContainer } });
    expect(noToken.status).toBe(401);
  });

  it('without setRoster, users who launched in the context form the roster', async () => {
    const { sim } = await setup();
    await loginAndAuth(sim);
    await loginAndAuth(sim, { user: { sub: 'teacher-1', name: 'T' }, roles: [ROLE.instructor] });
    expect(
      sim
        .roster('course-1')
        .map((m) => m.user_id)
        .sort(),
    ).toEqual(['sim-learner-1', 'teacher-1']);
  });
});
