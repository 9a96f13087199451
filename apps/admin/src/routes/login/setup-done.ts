// What the first-run setup tells the sign-in page: the workspace it created and the admin's
// email (never the password), in a short-lived cookie scoped to /login and read once.
import { z } from 'zod';

export const SETUP_DONE_COOKIE = 'tether_setup_done';

const setupDoneSchema = z.object({ workspace: z.string().min(1).max(120), email: z.string().min(3).max(320) });
export type SetupDone = z.output<typeof setupDoneSchema>;

/** The cookie's value, or null when it is missing or not ours. */
export function readSetupDone(raw: string | undefined): SetupDone | null {
  if (!raw) return null;
  try {
    const parsed = setupDoneSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
