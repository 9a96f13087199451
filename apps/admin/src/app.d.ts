import type { AdminSession } from '$lib/server/session';

declare global {
  namespace App {
    interface Locals {
      session: AdminSession | null;
    }
    interface Error {
      message: string;
      correlationId?: string;
    }
  }
}
