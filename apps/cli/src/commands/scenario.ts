import { createScenario, isUniqueViolation, listScenarios, listWorkspaces, type Scenario, writeAudit } from '@tether/db';
import { slugSchema } from '@tether/lti';
import { z } from 'zod';
import { check, parseFlags } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError, table } from '../output.js';

const input = z.object({
  slug: slugSchema,
  title: z.string().trim().min(1, 'required').max(200),
  description: z.string().trim().max(5000).default(''),
});

export async function scenarioAdd(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string', slug: 'string', title: 'string', description: 'string' });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const values = check(input, { slug: flags.slug ?? '', title: flags.title ?? '', description: flags.description });
  try {
    const s = await createScenario(ctx.handle.db, { workspace_id: workspace.id, ...values });
    await writeAudit(ctx.handle.db, { workspace_id: workspace.id, actor: 'cli', action: 'scenario.create', target_type: 'scenario', target_id: s.id });
    ctx.out.result(s, `Added scenario "${s.title}" — LTI custom parameter: scenario_id=${s.slug}`);
  } catch (e) {
    if (isUniqueViolation(e)) throw new CliError('conflict', `--slug: scenario "${values.slug}" already exists in ${workspace.slug}`, { fields: ['slug'] });
    throw e;
  }
}

export async function scenarioList(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string' });
  const workspaces = flags.workspace ? [await ctx.workspace(flags.workspace as string)] : await listWorkspaces(ctx.handle.db);
  const rows: (Scenario & { workspace: string })[] = [];
  for (const w of workspaces) for (const s of await listScenarios(ctx.handle.db, w.id)) rows.push({ ...s, workspace: w.slug });
  ctx.out.result(rows, table(rows, ['workspace', 'slug', 'title', 'id']));
}
