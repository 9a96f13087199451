// @tether/api — the dashboard's tRPC routers. See README.md for the procedure contract.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.js';

export { appRouter, createCaller, type AppRouter } from './root.js';
export {
  createContextFactory,
  createContextForUser,
  createSignedOutContext,
  pickActiveWorkspace,
  WORKSPACE_HEADER,
  type ApiDeps,
  type Context,
  type SessionUser,
  type WorkspaceMembership,
} from './context.js';
export { createTRPCRouter, createCallerFactory, publicProcedure, authedProcedure, adminProcedure } from './trpc.js';
export { fieldErrorsOf, ApiFieldErrors, type FieldErrors } from './errors.js';
export { mintRegistrationUrl, REGISTRATION_PURPOSE, REGISTRATION_TTL_SEC, type MintedRegistrationUrl } from './registration.js';
export { customParameterFor } from './routers/scenarios.js';
export type { ConnectionTestResult, PlatformView } from './routers/platforms.js';
export type { RosterSyncView } from './routers/rosters.js';

/** Input/output types per procedure, e.g. `RouterOutputs['platforms']['list'][number]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
