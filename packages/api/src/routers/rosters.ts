// Names and Roles roster sync as admins see it: the course contexts that can be synced (those
// whose launches carried an NRPS memberships URL), who their members are, "Sync roster", and
// the syncs' progress.
import { type CourseMember, listCourseMembers, listRosterContexts, listRosterSyncs, ROSTER_SCHEDULE_ACTOR, type RosterSync, requestRosterSync } from '@tether/db';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { idSchema, iso, isoOrNull } from '../util.js';
import { failureHelp } from './failure-help.js';

function syncView(s: RosterSync & { platform_name?: string | null }) {
  return {
    id: s.id,
    platformId: s.platform_id,
    platformName: s.platform_name ?? null,
    contextId: s.context_id,
    contextTitle: s.context_title,
    status: s.status,
    pages: s.pages,
    members: s.members,
    added: s.added,
    updated: s.updated,
    deactivated: s.deactivated,
    truncated: s.truncated,
    tries: s.tries,
    errorCode: s.error_code,
    errorMessage: s.error_message,
    help: s.status === 'failed' ? failureHelp(s.error_code) : null,
    requestedBy: s.requested_by === ROSTER_SCHEDULE_ACTOR ? 'schedule' : 'admin',
    createdAt: iso(s.created_at),
    startedAt: isoOrNull(s.started_at),
    finishedAt: isoOrNull(s.finished_at),
  };
}

export type RosterSyncView = ReturnType<typeof syncView>;

/**
 * Short names of LMS role URIs ("…/membership#Instructor" → "Instructor",
 * "…/membership/Instructor#TeachingAssistant" → "Teaching assistant"). Course (membership)
 * roles when there are any; institution and system roles only when they are all there is.
 */
export function roleLabels(roles: readonly string[]): string[] {
  const short = (r: string) => {
    const tail = r.slice(Math.max(r.lastIndexOf('#'), r.lastIndexOf('/')) + 1) || r;
    return tail.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ (\w)/g, (m) => m.toLowerCase());
  };
  const isCourseRole = (r: string) => !r.includes('://') || r.includes('/vocab/lis/v2/membership');
  const course = roles.filter(isCourseRole);
  return [...new Set((course.length > 0 ? course : roles).map(short))];
}

function memberView(m: CourseMember) {
  const name = m.name?.trim() || [m.givenName, m.familyName].filter(Boolean).join(' ').trim() || null;
  return {
    identityId: m.identityId,
    name: name ?? m.email ?? m.sub,
    email: m.email,
    sub: m.sub,
    roles: roleLabels(m.roles),
    roleUris: m.roles,
    status: m.status,
    rosterStatus: m.rosterStatus,
    source: m.rosterStatus === null ? ('launch' as const) : ('roster' as const),
    syncedAt: isoOrNull(m.syncedAt),
    lastLaunchAt: isoOrNull(m.lastLaunchAt),
  };
}

/** How many members one call lists (the page says when a course has more). */
const MEMBERS_LIMIT = 500;

const contextIdSchema = safeText({ max: 255, min: 1 });

export const rostersRouter = createTRPCRouter({
  /** Course contexts with an NRPS URL, newest launch first, with member counts and the latest sync. */
  contexts: adminProcedure.query(async ({ ctx }) =>
    (await listRosterContexts(ctx.db, ctx.workspace.id)).map((c) => ({
      platformId: c.platformId,
      platformName: c.platformName,
      contextId: c.contextId,
      contextTitle: c.contextTitle,
      lastLaunchAt: iso(c.lastLaunchAt),
      activeMembers: c.activeMembers,
      inactiveMembers: c.inactiveMembers,
      lastSync: c.lastSync ? syncView(c.lastSync) : null,
    })),
  ),

  /**
   * Who is in a course: the members its synced roster lists and those who launched from it,
   * with their roles, status and last launch (active first, then by name; at most 500).
   */
  members: adminProcedure.input(z.object({ platformId: idSchema, contextId: contextIdSchema })).query(async ({ ctx, input }) => {
    const members = await listCourseMembers(ctx.db, ctx.workspace.id, input, { limit: MEMBERS_LIMIT + 1 });
    return { members: members.slice(0, MEMBERS_LIMIT).map(memberView), more: members.length > MEMBERS_LIMIT };
  }),

  /** Queue a roster sync of one context (refused while one is queued or running). */
  sync: adminProcedure.input(z.object({ platformId: idSchema, contextId: contextIdSchema })).mutation(async ({ ctx, input }) => {
    if (!ctx.rosterQueue) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Roster sync is not available in this process (no queue configured).' });
    const r = await requestRosterSync(ctx.db, ctx.rosterQueue, {
      workspaceId: ctx.workspace.id,
      platformId: input.platformId,
      contextId: input.contextId,
      requestedBy: ctx.user.id,
    });
    if (!r.ok && r.code === 'not_found')
      throw new TRPCError({ code: 'NOT_FOUND', message: `no launch with a Names and Roles URL for course ${input.contextId} on this platform in this workspace` });
    if (!r.ok) throw new TRPCError({ code: 'CONFLICT', message: `a sync of this course is already ${r.sync.status}` });
    return syncView(r.sync);
  }),

  /** Recent syncs (newest first), optionally of one platform and/or context. */
  syncs: adminProcedure
    .input(z.object({ platformId: idSchema.optional(), contextId: contextIdSchema.optional(), limit: z.number().int().min(1).max(100).default(20) }).optional())
    .query(async ({ ctx, input }) =>
      (await listRosterSyncs(ctx.db, ctx.workspace.id, { platformId: input?.platformId, contextId: input?.contextId, limit: input?.limit ?? 20 })).map(syncView),
    ),
});
