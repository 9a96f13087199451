import { apiKeysRouter } from './routers/api-keys.js';
import { gradesRouter } from './routers/grades.js';
import { launchesRouter } from './routers/launches.js';
import { ltiRouter } from './routers/lti.js';
import { platformsRouter } from './routers/platforms.js';
import { rostersRouter } from './routers/rosters.js';
import { scenariosRouter } from './routers/scenarios.js';
import { sessionRouter } from './routers/session.js';
import { createCallerFactory, createTRPCRouter } from './trpc.js';

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  lti: ltiRouter,
  platforms: platformsRouter,
  scenarios: scenariosRouter,
  launches: launchesRouter,
  grades: gradesRouter,
  rosters: rostersRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;

/**
 * Server-side calls without HTTP (SvelteKit load functions, CLI, tests):
 * `createCaller(await createContext({ headers }))`.
 */
export const createCaller = createCallerFactory(appRouter);
