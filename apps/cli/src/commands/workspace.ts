import { createWorkspace, isUniqueViolation, listWorkspaces, writeAudit } from '@tether/db';
import { slugify, slugSchema } from '@tether/lti';
import { z } from 'zod';
import { check, parseFlags } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError, table } from '../output.js';

const createInput = z.object({ name: z.string().trim().min(1, 'required').max(120), slug: slugSchema });

export async function workspaceCreate(ctx: CliContext, argv: string[]) {
  const { flags, positionals } = parseFlags(argv, { slug: 'string' });
  const name = positionals.join(' ');
  const input = check(createInput, { name, slug: flags.slug ?? slugify(name) });
  try {
    const w = await createWorkspace(ctx.handle.db, input);
    await writeAudit(ctx.handle.db, { workspace_id: w.id, actor: 'cli', action: 'workspace.create', target_type: 'workspace', target_id: w.id });
    ctx.out.result(w, `Created workspace "${w.name}" (slug ${w.slug}, id ${w.id})`);
  } catch (e) {
    if (isUniqueViolation(e)) throw new CliError('conflict', `--slug: a workspace with slug "${input.slug}" already exists`, { fields: ['slug'] });
    throw e;
  }
}

export async function workspaceList(ctx: CliContext, argv: string[]) {
  parseFlags(argv, {});
  const rows = await listWorkspaces(ctx.handle.db);
  ctx.out.result(rows, table(rows, ['slug', 'name', 'id', 'created_at']));
}
