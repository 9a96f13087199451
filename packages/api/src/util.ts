import { writeAudit } from '@tether/db';
import { z } from 'zod';
import type { Context, SessionUser, WorkspaceMembership } from './context.js';

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Row IDs (UUIDs). Loose on version bits: a malformed ID is a 400, an unknown one a 404. */
export const idSchema = z.guid({ error: 'must be a UUID' });

export type AdminContext = Context & { user: SessionUser; workspace: WorkspaceMembership };

/** Audit entry in the active workspace, by the signed-in admin. */
export async function audit(ctx: AdminContext, action: string, target: { type: string; id: string }, details: Record<string, unknown> = {}): Promise<void> {
  await writeAudit(ctx.db, { workspace_id: ctx.workspace.id, actor: ctx.user.id, action, target_type: target.type, target_id: target.id, details });
}
