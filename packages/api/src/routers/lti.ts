import { toolEndpoints } from '@tether/lti';
import { mintRegistrationUrl } from '../registration.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';

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
});
