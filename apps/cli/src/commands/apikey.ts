// `tether apikey create --workspace <slug> [--name <name>]`: a workspace API key for the
// Grades API. The key is printed once; only its SHA-256 is stored (see @tether/db api-keys).

import { createApiKey, writeAudit } from '@tether/db';
import { z } from 'zod';
import { check, parseFlags } from '../args.js';
import type { CliContext } from '../context.js';

const input = z.object({ name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters') });

export async function apikeyCreate(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string', name: 'string' });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const { name } = check(input, { name: flags.name ?? 'Grades API' });
  const { apiKey, key } = await createApiKey(ctx.handle.db, { workspaceId: workspace.id, name, createdBy: 'cli' });
  await writeAudit(ctx.handle.db, {
    workspace_id: workspace.id,
    actor: 'cli',
    action: 'apikey.create',
    target_type: 'api_key',
    target_id: apiKey.id,
    details: { name, prefix: apiKey.prefix },
  });
  ctx.out.result(
    { id: apiKey.id, workspace: workspace.slug, name: apiKey.name, prefix: apiKey.prefix, key, created_at: apiKey.created_at },
    [
      `Created API key "${apiKey.name}" for workspace ${workspace.slug} (id ${apiKey.id}).`,
      '',
      `  ${key}`,
      '',
      'Copy it now: it is shown only this once (Tether keeps only a hash).',
      'Use it as  Authorization: Bearer <key>  on POST /api/v1/grades.',
    ].join('\n'),
  );
}
