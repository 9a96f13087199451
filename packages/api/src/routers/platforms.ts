import { fetchJwksDocument, isCryptoError } from '@tether/crypto';
import {
  createPlatform,
  type Database,
  findPlatformsByIssuer,
  findPlatformWithDeployments,
  isUniqueViolation,
  type Kysely,
  listPlatformSummaries,
  type PlatformChanges,
  type PlatformWithDeployments,
  removePlatform,
  updatePlatform,
} from '@tether/db';
import { platformInputSchema, safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { audit, idSchema, iso, isoOrNull } from '../util.js';

const s = platformInputSchema.shape;

const updateInput = z.object({
  id: idSchema,
  name: s.name.optional(),
  issuer: s.issuer.optional(),
  clientId: s.clientId.optional(),
  deploymentIds: s.deploymentIds.optional(),
  authLoginUrl: s.authLoginUrl.optional(),
  tokenUrl: s.tokenUrl.optional(),
  jwksUrl: s.jwksUrl.optional(),
  /** null clears it. */
  tokenAudience: s.tokenAudience.unwrap().nullable().optional(),
  // Not platformInputSchema's (it defaults to 'strict', which would reset it on every edit).
  deploymentPolicy: z.enum(['strict', 'learn']).optional(),
});

const createInput = platformInputSchema;

const byId = z.object({ id: idSchema });

function platformView(p: PlatformWithDeployments) {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer,
    clientId: p.client_id,
    deploymentIds: p.deployment_ids,
    authLoginUrl: p.auth_login_url,
    tokenUrl: p.token_url,
    jwksUrl: p.jwks_url,
    tokenAudience: p.token_audience,
    registeredVia: p.registered_via,
    deploymentPolicy: p.deployment_policy,
    productFamily: p.product_family,
    productVersion: p.product_version,
    connectedAt: iso(p.created_at),
    updatedAt: iso(p.updated_at),
  };
}

export type PlatformView = ReturnType<typeof platformView>;

/** What an issuer + client ID taken outside this workspace gets: words that do not say where, or that it exists. */
const REGISTRATION_UNUSABLE = 'this LMS registration cannot be used; register a new client ID for Tether in the LMS and connect that';

/**
 * CONFLICT for an issuer + client ID that is taken: named when the connection is in the
 * caller's workspace; otherwise the neutral REGISTRATION_UNUSABLE, which confirms no other
 * workspace (nor whether one exists).
 */
async function duplicateConnection(db: Kysely<Database>, workspaceId: string, issuer: string, clientId: string): Promise<TRPCError | undefined> {
  const [existing] = await findPlatformsByIssuer(db, issuer, clientId);
  if (!existing) return undefined;
  return existing.workspace_id === workspaceId
    ? fieldError('CONFLICT', 'clientId', `this issuer and client ID are already connected as "${existing.name}"`)
    : fieldError('CONFLICT', 'clientId', REGISTRATION_UNUSABLE);
}

const notFound = (id: string) => new TRPCError({ code: 'NOT_FOUND', message: `connected LMS ${id} not found in this workspace` });

export interface ConnectionTestResult {
  reachable: boolean;
  validJwks: boolean;
  keyCount: number;
  error?: { code: string; message: string };
}

export const platformsRouter = createTRPCRouter({
  /** Connected LMSes with deployments and launch activity (dynamic registrations are no launches: a just-registered LMS has had none yet). */
  list: adminProcedure.query(async ({ ctx }) => {
    const rows = await listPlatformSummaries(ctx.db, ctx.workspace.id);
    return rows.map((r) => ({ ...platformView(r), lastSuccessfulLaunchAt: isoOrNull(r.last_launch_at), launchesLast7Days: r.launches_7d }));
  }),

  get: adminProcedure.input(byId).query(async ({ ctx, input }) => {
    const p = await findPlatformWithDeployments(ctx.db, ctx.workspace.id, input.id);
    if (!p) throw notFound(input.id);
    return platformView(p);
  }),

  createManual: adminProcedure.input(createInput).mutation(async ({ ctx, input }) => {
    const dup = await duplicateConnection(ctx.db, ctx.workspace.id, input.issuer, input.clientId);
    if (dup) throw dup;
    let created: PlatformWithDeployments;
    try {
      created = await createPlatform(
        ctx.db,
        {
          workspace_id: ctx.workspace.id,
          name: input.name,
          issuer: input.issuer,
          client_id: input.clientId,
          auth_login_url: input.authLoginUrl,
          token_url: input.tokenUrl,
          jwks_url: input.jwksUrl,
          token_audience: input.tokenAudience ?? null,
          registered_via: 'manual',
          deployment_policy: input.deploymentPolicy,
        },
        input.deploymentIds,
        'manual',
      );
    } catch (e) {
      // A concurrent create of the same registration won the race.
      if (isUniqueViolation(e)) throw (await duplicateConnection(ctx.db, ctx.workspace.id, input.issuer, input.clientId)) ?? e;
      throw e;
    }
    await audit(
      ctx,
      'platform.create',
      { type: 'platform', id: created.id },
      {
        name: created.name,
        issuer: created.issuer,
        clientId: created.client_id,
        deploymentIds: created.deployment_ids,
        registeredVia: 'manual',
      },
    );
    return platformView(created);
  }),

  /** Fetches a keyset once and reports; never throws for a bad URL or an unreachable host. */
  testConnection: adminProcedure.input(z.object({ jwksUrl: safeText({ max: 2048, trim: true }) })).mutation(async ({ ctx, input }): Promise<ConnectionTestResult> => {
    try {
      // The keyset fetch's own limits (time, size, no redirects) are the resolver's defaults.
      const doc = await fetchJwksDocument(input.jwksUrl, {
        userAgent: ctx.userAgent,
        ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
        // Internal addresses are refused (a test button must not be a port scanner) unless allow-listed.
        ...(ctx.allowPrivateHosts ? { allowPrivateHosts: ctx.allowPrivateHosts } : {}),
      });
      if (doc.count === 0) {
        return { reachable: true, validJwks: false, keyCount: 0, error: { code: 'jwks_empty', message: 'The keyset has no keys' } };
      }
      return { reachable: true, validJwks: true, keyCount: doc.count };
    } catch (e) {
      if (isCryptoError(e)) {
        // The host answered (an HTTP status, a body too large or not a keyset) ⇒ reachable.
        const answered = e.code === 'jwks_invalid' || e.code === 'jwks_too_large' || (e.code === 'jwks_fetch_failed' && e.details?.status !== undefined);
        return { reachable: answered, validJwks: false, keyCount: 0, error: { code: e.code, message: e.message } };
      }
      return { reachable: false, validJwks: false, keyCount: 0, error: { code: 'jwks_fetch_failed', message: 'The keyset could not be fetched' } };
    }
  }),

  /** Partial update; always bumps updated_at (a re-save makes the runtime refetch the keys). */
  update: adminProcedure.input(updateInput).mutation(async ({ ctx, input }) => {
    const { id, deploymentIds, ...f } = input;
    const changes: PlatformChanges = {};
    if (f.name !== undefined) changes.name = f.name;
    if (f.issuer !== undefined) changes.issuer = f.issuer;
    if (f.clientId !== undefined) changes.client_id = f.clientId;
    if (f.authLoginUrl !== undefined) changes.auth_login_url = f.authLoginUrl;
    if (f.tokenUrl !== undefined) changes.token_url = f.tokenUrl;
    if (f.jwksUrl !== undefined) changes.jwks_url = f.jwksUrl;
    if (f.tokenAudience !== undefined) changes.token_audience = f.tokenAudience;
    if (f.deploymentPolicy !== undefined) changes.deployment_policy = f.deploymentPolicy;

    const before = await findPlatformWithDeployments(ctx.db, ctx.workspace.id, id);
    if (!before) throw notFound(id);
    let updated: PlatformWithDeployments | undefined;
    try {
      updated = await updatePlatform(ctx.db, ctx.workspace.id, id, changes, deploymentIds);
    } catch (e) {
      if (isUniqueViolation(e)) {
        const dup = await duplicateConnection(ctx.db, ctx.workspace.id, changes.issuer ?? before.issuer, changes.client_id ?? before.client_id);
        if (dup) throw dup;
      }
      throw e;
    }
    if (!updated) throw notFound(id);
    await audit(
      ctx,
      'platform.update',
      { type: 'platform', id },
      {
        changed: [...Object.keys(f).filter((k) => f[k as keyof typeof f] !== undefined), ...(deploymentIds ? ['deploymentIds'] : [])],
        ...changes,
        ...(deploymentIds ? { deploymentIds: updated.deployment_ids } : {}),
      },
    );
    return platformView(updated);
  }),

  /** Removes the connection (deployments cascade; launches keep their issuer/client_id copies). */
  remove: adminProcedure.input(byId).mutation(async ({ ctx, input }) => {
    const removed = await removePlatform(ctx.db, ctx.workspace.id, input.id);
    if (!removed) throw notFound(input.id);
    await audit(ctx, 'platform.remove', { type: 'platform', id: removed.id }, { name: removed.name, issuer: removed.issuer, clientId: removed.client_id });
    return { id: removed.id, name: removed.name };
  }),
});
