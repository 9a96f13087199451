import { listRegistrations } from '@tether/db';
import { toolEndpoints } from '@tether/lti';
import { z } from 'zod';
import { mintRegistrationUrl } from '../registration.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { iso } from '../util.js';
import { explainRecorded } from './failure-help.js';
import { registrationFacts } from './launches.js';

export const ltiRouter = createTRPCRouter({
  /** The four URLs an admin copies into an LMS, built from PUBLIC_URL. */
  endpoints: adminProcedure.query(({ ctx }) => {
    const e = toolEndpoints(ctx.publicUrl);
    return { login: e.login, launch: e.launch, jwks: e.jwks, openidConfiguration: e.openidConfiguration };
  }),

  /** A one-time dynamic-registration URL for the active workspace, valid one hour. */
  createRegistrationUrl: adminProcedure.mutation(async ({ ctx }) => {
    const minted = await mintRegistrationUrl(ctx.db, ctx.tokens, {
      workspaceId: ctx.workspace.id,
      publicUrl: ctx.publicUrl,
      createdBy: ctx.user.id,
    });
    return { url: minted.url, expiresAt: minted.expiresAt.toISOString() };
  }),

  /**
   * The workspace's dynamic registrations, newest first: when, the outcome, the LMS (platform,
   * issuer, client ID) and, for a failure, its code in the catalogue's words. Each links to its
   * timeline by correlation ID. (A registration URL too broken to name a workspace is recorded
   * for no workspace, so it is not listed.)
   */
  registrations: adminProcedure
    .input(z.object({ limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50) }).optional())
    .query(async ({ ctx, input }) => {
      const rows = await listRegistrations(ctx.db, ctx.workspace.id, input?.limit ?? 50);
      return rows.map((r) => {
        const facts = registrationFacts(r, r.events);
        const failedAt = r.error_code ? [...r.events].reverse().find((e) => e.error_code === r.error_code) : undefined;
        const message = failedAt && typeof failedAt.details?.message === 'string' ? failedAt.details.message : null;
        return {
          id: r.id,
          correlationId: r.correlation_id,
          at: iso(r.created_at),
          outcome: r.status === 'landed' ? ('registered' as const) : r.status === 'failed' ? ('failed' as const) : ('started' as const),
          platform: r.platform_id ? { id: r.platform_id, name: r.platform_name } : null,
          issuer: facts.issuer,
          clientId: facts.clientId,
          deploymentId: facts.deploymentId,
          openidConfiguration: facts.openidConfiguration,
          errorCode: r.error_code,
          explanation: r.error_code ? explainRecorded(r.error_code, message) : null,
        };
      });
    }),
});
