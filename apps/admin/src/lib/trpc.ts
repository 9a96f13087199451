// Browser tRPC client for mutations and refreshes; typed by the server's AppRouter.

import type { AppRouter } from '@tether/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';

export const trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] });

/** Per-field messages from a BAD_REQUEST/CONFLICT, and the overall message. */
export function errorInfo(e: unknown): { message: string; fieldErrors: Record<string, string> } {
  if (e instanceof TRPCClientError) {
    const data = e.data as { fieldErrors?: Record<string, string> } | undefined;
    return { message: e.message, fieldErrors: data?.fieldErrors ?? {} };
  }
  return { message: e instanceof Error ? e.message : String(e), fieldErrors: {} };
}
