// Grade passback as admins see it: recent passbacks with filters, failures per platform,
// the passbacks of one launch, and Retry for a failed one — offered (and accepted) only where
// a retry can succeed: a retry re-sends the score for the same launch, so a failure caused by
// the launch itself (no grade column, no score scope, its line item gone) says why not instead.
import {
  failureCountsByPlatform,
  findPassbackItem,
  InvalidCursorError,
  listPassbacks,
  type PassbackListItem,
  passbacksForLaunch,
  type RetryBlocker,
  retryPassback,
} from '@tether/db';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { idSchema, iso, isoOrNull } from '../util.js';
import { failureHelp } from './failure-help.js';

/** Why Retry cannot help a failed passback, in words (`retryBlockerOf` decides). */
const RETRY_BLOCKED: Record<RetryBlocker, string> = {
  anonymous: 'No retry can help: the launch was anonymous, so there is no learner to grade.',
  no_platform: 'No retry can help: the LMS connection of this launch was removed. Reconnect the LMS, have the learner launch again and report the grade for the new launch.',
  not_resource_link:
    'No retry can help: this is not a learner’s launch of a graded activity (an instructor’s deep-linking launch). Report the grade against the learner’s own launch of the activity.',
  no_ags_endpoint:
    'No retry can help: the launch carries no grade column (no AGS line item). Enable grade passback for the tool in the LMS; the learner’s next launch carries it, and its grade can be sent.',
  no_resource_link: 'No retry can help: the launch carries only a line items URL and no resource link to find the grade column by.',
  no_score_scope:
    'No retry can help: the LMS did not grant the score scope with this launch, and a retry uses the same launch. Enable the score scope in the LMS; the learner’s next launch carries it.',
  no_lineitem_scope:
    'No retry can help: the launch gives no line item and no line item scope to find or create one. Enable the line item scope (or give the activity a grade column) in the LMS; the next launch carries it.',
  lineitem_gone:
    'No retry can help: the LMS says this launch’s grade column is gone, and a retry posts to the same column. Recreate the column in the LMS; the learner’s next launch carries the new one.',
};

function passbackView(p: PassbackListItem) {
  const { retryBlocker, ...rest } = p;
  return {
    ...rest,
    nextAttemptAt: isoOrNull(p.nextAttemptAt),
    submittedAt: iso(p.submittedAt),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    sentAt: isoOrNull(p.sentAt),
    // The same words as the troubleshooting timeline for the same code.
    help: failureHelp(p.errorCode, p.errorMessage),
    /** Whether the dashboard offers Retry, and if not (for a failed passback) why not. */
    retry: p.status !== 'failed' ? { possible: false, why: null } : retryBlocker ? { possible: false, why: RETRY_BLOCKED[retryBlocker] } : { possible: true, why: null },
  };
}

const statusSchema = z.enum(['received', 'skipped', 'queued', 'sent', 'failed']);

export const gradesRouter = createTRPCRouter({
  /** Recent passbacks of this workspace, newest first (keyset pagination). */
  list: adminProcedure
    .input(
      z
        .object({
          status: statusSchema.optional(),
          platformId: idSchema.optional(),
          cursor: safeText({ max: 300 }).nullish(),
          limit: z.number().int().min(1).max(100).default(25),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      try {
        const page = await listPassbacks(ctx.db, ctx.workspace.id, {
          status: input?.status,
          platformId: input?.platformId,
          cursor: input?.cursor ?? null,
          limit: input?.limit ?? 25,
        });
        return { items: page.items.map(passbackView), nextCursor: page.nextCursor };
      } catch (e) {
        if (e instanceof InvalidCursorError) throw fieldError('BAD_REQUEST', 'cursor', 'is not a cursor returned by this list');
        throw e;
      }
    }),

  /** Per platform: failed, retrying, queued and sent counts. */
  byPlatform: adminProcedure.query(({ ctx }) => failureCountsByPlatform(ctx.db, ctx.workspace.id)),

  /** The passbacks of one launch (the troubleshooting view). */
  forLaunch: adminProcedure
    .input(z.object({ launchId: idSchema }))
    .query(async ({ ctx, input }) => (await passbacksForLaunch(ctx.db, input.launchId, { workspaceId: ctx.workspace.id })).map(passbackView)),

  /** Re-queue a failed passback (after fixing its cause); refused when no retry can succeed. */
  retry: adminProcedure.input(z.object({ id: idSchema })).mutation(async ({ ctx, input }) => {
    if (!ctx.passbackQueue) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Grade retries are not available in this process (no queue configured).' });
    const current = await findPassbackItem(ctx.db, ctx.workspace.id, input.id);
    if (current?.status === 'failed' && current.retryBlocker) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: RETRY_BLOCKED[current.retryBlocker] });
    const r = await retryPassback(ctx.db, ctx.passbackQueue, ctx.workspace.id, input.id, { actor: ctx.user.id });
    if (!r.ok && r.code === 'not_found') throw new TRPCError({ code: 'NOT_FOUND', message: `grade passback ${input.id} not found in this workspace` });
    if (!r.ok) throw new TRPCError({ code: 'CONFLICT', message: `only a failed passback can be retried (this one is ${r.status})` });
    return r;
  }),
});
