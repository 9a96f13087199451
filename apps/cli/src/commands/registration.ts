import { mintRegistrationUrl } from '@tether/api';
import { createOneTimeTokens } from '@tether/crypto';
import { parseFlags } from '../args.js';
import type { CliContext } from '../context.js';

/** `tether registration-url --workspace <slug>`: a one-time dynamic-registration URL, valid one hour. */
export async function registrationUrl(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string' });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const minted = await mintRegistrationUrl(ctx.handle.db, createOneTimeTokens(await ctx.secret()), {
    workspaceId: workspace.id,
    publicUrl: ctx.config.PUBLIC_URL,
    createdBy: null,
    actor: 'cli',
  });
  ctx.out.result(
    { url: minted.url, expiresAt: minted.expiresAt.toISOString(), workspace: workspace.slug },
    `Registration URL for ${workspace.slug} (valid until ${minted.expiresAt.toISOString()}, once):\n${minted.url}`,
  );
}
