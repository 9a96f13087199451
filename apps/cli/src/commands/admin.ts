import { AdminError, createAuth, createWorkspaceAdmin, deriveAuthSecret } from '@tether/auth';
import { writeAudit } from '@tether/db';
import { z } from 'zod';
import { check, parseFlags } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError } from '../output.js';

const input = z.object({
  email: z.email('must be an email address'),
  password: z.string().min(10, 'must be at least 10 characters').max(256),
  name: z.string().trim().min(1).max(120).optional(),
});

/** better-auth's secret is derived from the master secret, so every node computes the same. */
async function authSecret(ctx: CliContext): Promise<string> {
  return deriveAuthSecret(await ctx.secret());
}

export async function adminCreate(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string', email: 'string', password: 'string', name: 'string' });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const values = check(input, { email: flags.email, password: flags.password, name: flags.name });
  const auth = createAuth({ db: ctx.handle.db, secret: await authSecret(ctx), baseURL: ctx.config.ADMIN_ORIGIN });
  try {
    const admin = await createWorkspaceAdmin(auth, ctx.handle.db, { workspaceId: workspace.id, ...values });
    await writeAudit(ctx.handle.db, {
      workspace_id: workspace.id,
      actor: 'cli',
      action: 'admin.create',
      target_type: 'user',
      target_id: admin.userId,
      details: { email: admin.email },
    });
    ctx.out.result({ ...admin, workspace: workspace.slug }, `Created admin ${admin.email} for workspace ${workspace.slug}`);
  } catch (e) {
    if (e instanceof AdminError) throw new CliError(e.code, `--${e.message}`, { fields: [e.message.split(':')[0] ?? 'input'], cause: e });
    throw e;
  }
}
