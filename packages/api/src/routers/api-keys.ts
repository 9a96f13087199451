// Workspace API keys for the Grades API. The secret is shown once, at creation; only a hash
// is stored.
import { createApiKey, listApiKeys, revokeApiKey } from '@tether/db';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { audit, idSchema, iso, isoOrNull } from '../util.js';

const view = (k: { id: string; name: string; prefix: string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: iso(k.created_at),
  lastUsedAt: isoOrNull(k.last_used_at),
  revokedAt: isoOrNull(k.revoked_at),
});

export const apiKeysRouter = createTRPCRouter({
  list: adminProcedure.query(async ({ ctx }) => (await listApiKeys(ctx.db, ctx.workspace.id)).map(view)),

  create: adminProcedure.input(z.object({ name: safeText({ max: 80, min: 1, trim: true, label: 'name' }) })).mutation(async ({ ctx, input }) => {
    const { apiKey, key } = await createApiKey(ctx.db, { workspaceId: ctx.workspace.id, name: input.name, createdBy: ctx.user.id });
    await audit(ctx, 'api_key.create', { type: 'api_key', id: apiKey.id }, { name: input.name, prefix: apiKey.prefix });
    return { ...view(apiKey), key };
  }),

  revoke: adminProcedure.input(z.object({ id: idSchema })).mutation(async ({ ctx, input }) => {
    const revoked = await revokeApiKey(ctx.db, ctx.workspace.id, input.id);
    if (!revoked) throw new TRPCError({ code: 'NOT_FOUND', message: `API key ${input.id} not found in this workspace` });
    await audit(ctx, 'api_key.revoke', { type: 'api_key', id: revoked.id }, { prefix: revoked.prefix });
    return view(revoked);
  }),
});
