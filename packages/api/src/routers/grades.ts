// Grade passback as admins see it: recent passbacks with filters, failures per platform,
// the passbacks of one launch, and Retry for a failed one.
import { failureCountsByPlatform, InvalidCursorError, listPassbacks, type PassbackListItem, passbacksForLaunch, retryPassback } from '@tether/db';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { idSchema, iso, isoOrNull } from '../util.js';
import { failureHelp } from './failure-help.js';

function passbackView(p: PassbackListItem) {
  return {
    ...p,
    nextAttemptAt: isoOrNull(p.nextAttemptAt),
    submittedAt: iso(p.submittedAt),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    sentAt: isoOrNull(p.sentAt),
    help: failureHelp(p.errorCode),
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

  /** Re-queue a failed passback (after fixing its cause). */
  retry: adminProcedure.input(z.object({ id: idSchema })).mutation(async ({ ctx, input }) => {
    if (!ctx.passbackQueue) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'Grade retries are not available in this process (no queue configured).' });
    const r = await retryPassback(ctx.db, ctx.passbackQueue, ctx.workspace.id, input.id, { actor: ctx.user.id });
    if (!r.ok && r.code === 'not_found') throw new TRPCError({ code: 'NOT_FOUND', message: `grade passback ${input.id} not found in this workspace` });
    if (!r.ok) throw new TRPCError({ code: 'CONFLICT', message: `only a failed passback can be retried (this one is ${r.status})` });
    return r;
  }),
});
