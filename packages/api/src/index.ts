// @tether/api — the dashboard's tRPC routers. See README.md for the procedure contract.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.js';

export {
  type ApiDeps,
  type Context,
  createContextFactory,
  createContextForUser,
  createSignedOutContext,
  pickActiveWorkspace,
  type SessionUser,
  WORKSPACE_HEADER,
  type WorkspaceMembership,
} from './context.js';
export { ApiFieldErrors, type FieldErrors, fieldErrorsOf } from './errors.js';
export { type MintedRegistrationUrl, mintRegistrationUrl, REGISTRATION_PURPOSE, REGISTRATION_TTL_SEC } from './registration.js';
export { type AppRouter, appRouter, createCaller } from './root.js';
export type { ConnectionTestResult, PlatformView } from './routers/platforms.js';
export type { RosterSyncView } from './routers/rosters.js';
export { customParameterFor } from './routers/scenarios.js';
export { adminProcedure, authedProcedure, createCallerFactory, createTRPCRouter, publicProcedure } from './trpc.js';

/** Input/output types per procedure, e.g. `RouterOutputs['platforms']['list'][number]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
