/** NRPS rosters: members per context with a change sequence, so `differences` links can replay changes. */
import { type Roster, rememberContext, type SimContext } from './state.js';
import type { LaunchUser, Member } from './types.js';

export function membershipsUrl(sim: SimContext, contextId: string): string {
  return `${sim.url}/nrps/${encodeURIComponent(contextId)}/memberships`;
}

function rosterFor(sim: SimContext, contextId: string): Roster {
  let r = sim.state.rosters.get(contextId);
  if (!r) {
    r = { seq: 0, explicit: false, entries: new Map() };
    sim.state.rosters.set(contextId, r);
  }
  return r;
}

function upsertMember(roster: Roster, member: Member): void {
  const prev = roster.entries.get(member.user_id);
  if (prev && JSON.stringify(prev.member) === JSON.stringify(member)) return;
  roster.entries.set(member.user_id, { member, seq: ++roster.seq });
}

/**
 * Replace a context's roster. Members missing from the new list become `Deleted` tombstones
 * (visible through the `differences` link). Launch users are no longer added automatically.
 */
export function setRoster(sim: SimContext, contextId: string, members: Member[], context?: { label?: string; title?: string }): void {
  const roster = rosterFor(sim, contextId);
  roster.explicit = true;
  rememberContext(sim.state, { ...context, id: contextId });
  const ids = new Set(members.map((m) => m.user_id));
  for (const [id, entry] of roster.entries) {
    if (!ids.has(id) && entry.member.status !== 'Deleted') {
      roster.entries.set(id, { member: { ...entry.member, status: 'Deleted' }, seq: ++roster.seq });
    }
  }
  for (const m of members) upsertMember(roster, { ...m, status: m.status ?? 'Active', roles: [...m.roles] });
}

/** Current roster (without Deleted tombstones). */
export function currentMembers(sim: SimContext, contextId: string): Member[] {
  const r = sim.state.rosters.get(contextId);
  if (!r) return [];
  return [...r.entries.values()].map((e) => e.member).filter((m) => m.status !== 'Deleted');
}

/** Until a roster is set explicitly, everyone launched into a context is a member of it. */
export function addLaunchUserToRoster(sim: SimContext, contextId: string, user: LaunchUser, roles: string[]): void {
  const roster = rosterFor(sim, contextId);
  if (roster.explicit || !user.sub) return;
  const m: Member = { user_id: user.sub, roles: [...roles], status: 'Active' };
  for (const k of ['name', 'given_name', 'family_name', 'email'] as const) {
    const v = user[k];
    if (typeof v === 'string') m[k] = v;
  }
  upsertMember(roster, m);
}
