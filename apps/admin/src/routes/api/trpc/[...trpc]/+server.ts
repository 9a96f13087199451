import { appRouter } from '@tether/api';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { contextFactory } from '$lib/server/api';
import type { RequestHandler } from './$types';

// JSON-bodied tRPC calls cannot be sent cross-site without a CORS preflight (which we never
// grant), and the session cookie is SameSite=Lax: mutations are CSRF-safe.
const handler: RequestHandler = async ({ request }) => {
  const create = await contextFactory();
  return fetchRequestHandler({ endpoint: '/api/trpc', req: request, router: appRouter, createContext: () => create({ headers: request.headers }) });
};

export const GET = handler;
export const POST = handler;
