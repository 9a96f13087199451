import { writeAudit } from '@tether/db';
import { parseFlags } from '../args.js';
import type { CliContext } from '../context.js';
import { table } from '../output.js';

export async function keysList(ctx: CliContext, argv: string[]) {
  parseFlags(argv, {});
  const set = await ctx.keySet();
  const summary = set.summary();
  ctx.out.result(summary, table(summary.keys as unknown as Record<string, unknown>[], ['kid', 'state', 'createdAt', 'activatedAt', 'retiredAt', 'published']));
}

export async function keysRotate(ctx: CliContext, argv: string[]) {
  parseFlags(argv, {});
  const set = await ctx.keySet();
  const before = set.summary().current;
  const summary = await set.rotate();
  await writeAudit(ctx.handle.db, { workspace_id: null, actor: 'cli', action: 'keys.rotate', details: { retired: before, current: summary.current, next: summary.next } });
  ctx.out.result(summary, `Rotated: ${before} retired (still published), ${summary.current} now signs, ${summary.next} published as next`);
}
