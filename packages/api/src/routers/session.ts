import { authedProcedure, createTRPCRouter } from '../trpc.js';

export const sessionRouter = createTRPCRouter({
  /** Who is signed in, their workspaces and the active one (null when they administer none). */
  me: authedProcedure.query(({ ctx }) => ({
    user: { id: ctx.user.id, name: ctx.user.name, email: ctx.user.email },
    workspaces: ctx.memberships.map((m) => ({ id: m.id, slug: m.slug, name: m.name, role: m.role })),
    activeWorkspace: ctx.activeWorkspace ? { ...ctx.activeWorkspace } : null,
  })),
});
