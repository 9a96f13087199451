/** Names and Role Provisioning Services 2.0: paged context memberships. */
import type { Hono } from 'hono';
import { CLAIM, MEDIA, SCOPE } from '../constants.js';
import { json, typedJson } from '../http.js';
import { membershipsUrl } from '../roster.js';
import type { SimContext } from '../state.js';
import type { Member } from '../types.js';
import { linkHeader, parseLimit, parsePage, requireBearer } from './bearer.js';

/** `…#Learner` / `…/membership/Instructor#TeachingAssistant` / `Learner` → comparable short name. */
function shortRole(role: string): string {
  const hash = role.lastIndexOf('#');
  if (hash >= 0) return role.slice(hash + 1);
  const slash = role.lastIndexOf('/');
  return slash >= 0 ? role.slice(slash + 1) : role;
}

function roleMatches(member: Member, role: string): boolean {
  return member.roles.some((r) => r === role || shortRole(r) === shortRole(role));
}

export function installNrpsRoutes(app: Hono, sim: SimContext): void {
  app.get('/nrps/:ctx/memberships', (c) => {
    sim.state.stats.nrpsRequests++;
    const accept = (c.req.header('accept') ?? '').toLowerCase();
    if (!accept.includes(MEDIA.membershipContainer)) {
      return json(406, {
        error: 'not_acceptable',
        error_description: `Accept must include ${MEDIA.membershipContainer}`,
      });
    }
    const tok = requireBearer(c, sim, [SCOPE.nrps]);
    if (tok instanceof Response) return tok;

    const ctx = c.req.param('ctx');
    const roster = sim.state.rosters.get(ctx);
    const context = sim.state.contexts.get(ctx);
    if (!roster && !context) {
      return json(404, { error: 'not_found', error_description: `context ${ctx} not found` });
    }
    const req = new URL(c.req.url);
    const q = req.searchParams;
    const sinceRaw = q.get('since');
    const since = sinceRaw === null ? null : Number.parseInt(sinceRaw, 10);
    const role = q.get('role');
    const rlid = q.get('rlid');
    const limit = parseLimit(q.get('limit'), sim.opts.pageSize ?? 10);
    const pageNo = parsePage(q.get('page'));

    const entries = [...(roster?.entries.values() ?? [])].sort((a, b) => a.seq - b.seq);
    let members = (since === null || Number.isNaN(since) ? entries.filter((e) => e.member.status !== 'Deleted') : entries.filter((e) => e.seq > since)).map((e) => e.member);
    if (role) members = members.filter((m) => roleMatches(m, role));

    const pageMembers = members.slice((pageNo - 1) * limit, pageNo * limit).map((m) => {
      const out: Member = { ...m, roles: [...m.roles] };
      if (rlid) {
        out.message = [
          {
            [CLAIM.messageType]: 'LtiResourceLinkRequest',
            [CLAIM.resourceLink]: { id: rlid },
          },
        ];
      }
      return out;
    });

    const base = membershipsUrl(sim, ctx);
    const self = new URL(`${base}${req.search}`);
    const links: Array<[string, string]> = [];
    if (pageNo * limit < members.length) {
      const next = new URL(self);
      next.searchParams.set('page', String(pageNo + 1));
      next.searchParams.set('limit', String(limit));
      links.push(['next', next.toString()]);
    }
    const diff = new URL(base);
    diff.searchParams.set('since', String(roster?.seq ?? 0));
    if (role) diff.searchParams.set('role', role);
    links.push(['differences', diff.toString()]);

    const body = {
      id: self.toString(),
      context: { id: ctx, ...(context?.label ? { label: context.label } : {}), ...(context?.title ? { title: context.title } : {}) },
      members: pageMembers,
    };
    return typedJson(200, MEDIA.membershipContainer, body, { link: linkHeader(links) });
  });
}
