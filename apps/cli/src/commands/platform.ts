import { createPlatform, findPlatformsByIssuer, isUniqueViolation, listPlatforms, listWorkspaces, removePlatform, writeAudit } from '@tether/db';
import { platformInputSchema } from '@tether/lti';
import { z } from 'zod';
import { check, parseFlags } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError, table } from '../output.js';

const flagNames = {
  clientId: 'client-id',
  deploymentIds: 'deployment',
  authLoginUrl: 'auth-url',
  tokenUrl: 'token-url',
  jwksUrl: 'jwks-url',
  tokenAudience: 'token-audience',
  deploymentPolicy: 'deployment-policy',
};

export async function platformAdd(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, {
    workspace: 'string',
    name: 'string',
    issuer: 'string',
    'client-id': 'string',
    deployment: 'string',
    'auth-url': 'string',
    'token-url': 'string',
    'jwks-url': 'string',
    'token-audience': 'string',
    'deployment-policy': 'string',
  });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const p = check(
    platformInputSchema,
    {
      name: flags.name ?? '',
      issuer: flags.issuer ?? '',
      clientId: flags['client-id'] ?? '',
      deploymentIds: flags.deployment ?? '',
      authLoginUrl: flags['auth-url'] ?? '',
      tokenUrl: flags['token-url'] ?? '',
      jwksUrl: flags['jwks-url'] ?? '',
      tokenAudience: flags['token-audience'],
      deploymentPolicy: flags['deployment-policy'],
    },
    flagNames,
  );
  try {
    const row = await createPlatform(
      ctx.handle.db,
      {
        workspace_id: workspace.id,
        name: p.name,
        issuer: p.issuer,
        client_id: p.clientId,
        auth_login_url: p.authLoginUrl,
        token_url: p.tokenUrl,
        token_audience: p.tokenAudience ?? null,
        jwks_url: p.jwksUrl,
        registered_via: 'manual',
        deployment_policy: p.deploymentPolicy,
      },
      p.deploymentIds,
      'manual',
    );
    await writeAudit(ctx.handle.db, {
      workspace_id: workspace.id,
      actor: 'cli',
      action: 'platform.create',
      target_type: 'platform',
      target_id: row.id,
      details: { issuer: row.issuer, client_id: row.client_id },
    });
    ctx.out.result(row, `Connected "${row.name}" (issuer ${row.issuer}, client ID ${row.client_id}, deployments ${row.deployment_ids.join(', ')}) — id ${row.id}`);
  } catch (e) {
    if (isUniqueViolation(e, 'platforms_issuer_client_id')) {
      const [existing] = await findPlatformsByIssuer(ctx.handle.db, p.issuer, p.clientId);
      throw new CliError('conflict', `--client-id: issuer ${p.issuer} with client ID ${p.clientId} is already connected as "${existing?.name ?? 'another platform'}"`, {
        fields: ['clientId'],
      });
    }
    throw e;
  }
}

export async function platformList(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string' });
  const workspaces = flags.workspace ? [await ctx.workspace(flags.workspace as string)] : await listWorkspaces(ctx.handle.db);
  const rows = [];
  for (const w of workspaces) for (const p of await listPlatforms(ctx.handle.db, w.id)) rows.push({ ...p, workspace: w.slug });
  ctx.out.result(rows, table(rows, ['workspace', 'name', 'issuer', 'client_id', 'deployment_ids', 'registered_via', 'id']));
}

export async function platformRemove(ctx: CliContext, argv: string[]) {
  const { flags } = parseFlags(argv, { workspace: 'string', id: 'string' });
  const workspace = await ctx.workspace(flags.workspace as string | undefined);
  const id = check(z.uuid('must be a platform id (see `tether platform list`)'), flags.id ?? '', { input: 'id' });
  const removed = await removePlatform(ctx.handle.db, workspace.id, id);
  if (!removed) throw new CliError('not_found', `--id: no platform ${id} in workspace ${workspace.slug}`, { fields: ['id'] });
  await writeAudit(ctx.handle.db, {
    workspace_id: workspace.id,
    actor: 'cli',
    action: 'platform.remove',
    target_type: 'platform',
    target_id: id,
    details: { issuer: removed.issuer, client_id: removed.client_id },
  });
  ctx.out.result(
    { removed: { id, name: removed.name, issuer: removed.issuer, client_id: removed.client_id } },
    `Removed "${removed.name}" and its deployments (launch history kept)`,
  );
}
