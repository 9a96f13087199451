import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export async function writeAudit(
  db: Kysely<Database>,
  entry: { workspace_id: string | null; actor: string; action: string; target_type?: string; target_id?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspace_id,
      actor: entry.actor,
      action: entry.action,
      target_type: entry.target_type ?? null,
      target_id: entry.target_id ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
