// tRPC setup: one initTRPC, the error formatter, and the procedure tiers.
//   publicProcedure  — anyone
//   authedProcedure  — a signed-in user (UNAUTHORIZED otherwise)
//   adminProcedure   — an admin of the active workspace (FORBIDDEN "admins only" otherwise);
//                      puts the workspace in ctx.workspace. Every query below it must filter
//                      by ctx.workspace.id.
// No transformer: outputs are plain JSON (timestamps are ISO 8601 strings), so what the
// types say is what crosses the wire.
import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context.js';
import { asValidationError, fieldErrorsOf } from './errors.js';

const INTERNAL_MESSAGE = 'Something went wrong on our side. Please try again; if it keeps happening, check the server logs.';

const t = initTRPC.context<Context>().create({
  // Never put stack traces in error shapes, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      // An unexpected error's message may carry SQL or internals: keep it on the server.
      message: internal ? INTERNAL_MESSAGE : shape.message,
      data: { ...data, fieldErrors: fieldErrorsOf(error) ?? null },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Input parse failures become BAD_REQUEST "field: message" with fieldErrors, on every procedure. */
const namedValidationErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'BAD_REQUEST') {
    const named = asValidationError(result.error.cause);
    if (named) throw named;
  }
  return result;
});

export const publicProcedure = t.procedure.use(namedValidationErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { user: ctx.user } });
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  const ws = ctx.activeWorkspace;
  if (ws?.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'admins only' });
  return next({ ctx: { workspace: ws } });
});
