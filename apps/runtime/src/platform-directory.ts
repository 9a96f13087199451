// Platform lookups for login and launch, cached briefly per node. When a platform row
// changes (an admin re-saved it), its cached JWKS is dropped: re-saving is how admins
// refresh keys after an LMS rotation.

import type { RemoteJwksResolver } from '@tether/crypto';
import { type Database, findPlatformAcrossWorkspaces, findPlatformsByIssuer, type Kysely, listDeployments, type Platform } from '@tether/db';

export interface PlatformEntry {
  platform: Platform;
  deploymentIds: Set<string>;
}

export type PlatformLookup = { ok: true; entry: PlatformEntry } | { ok: false; code: 'unknown_platform' | 'ambiguous_platform'; count: number };

/** How long a node trusts its cached copy of a platform row (an admin's edit shows within this). */
const PLATFORM_CACHE_TTL_MS = 10_000;

export function createPlatformDirectory(db: Kysely<Database>, jwks: RemoteJwksResolver, ttlMs = PLATFORM_CACHE_TTL_MS) {
  const byId = new Map<string, { entry: PlatformEntry; expires: number }>();
  const byIssuer = new Map<string, { ids: string[]; expires: number }>();
  const seenVersion = new Map<string, number>();

  async function load(platform: Platform): Promise<PlatformEntry> {
    const version = platform.updated_at.getTime();
    const prev = seenVersion.get(platform.id);
    if (prev !== undefined && prev !== version) jwks.invalidate(platform.jwks_url);
    seenVersion.set(platform.id, version);
    const deployments = await listDeployments(db, platform.id);
    const entry = { platform, deploymentIds: new Set(deployments.map((d) => d.deployment_id)) };
    byId.set(platform.id, { entry, expires: Date.now() + ttlMs });
    return entry;
  }

  return {
    async findForLogin(issuer: string, clientId: string | undefined): Promise<PlatformLookup> {
      const key = `${issuer}\n${clientId ?? ''}`;
      const cached = byIssuer.get(key);
      if (cached && cached.expires > Date.now() && cached.ids.length === 1) {
        const hit = byId.get(cached.ids[0]!);
        if (hit && hit.expires > Date.now()) return { ok: true, entry: hit.entry };
      }
      const rows = await findPlatformsByIssuer(db, issuer, clientId);
      if (rows.length === 0) return { ok: false, code: 'unknown_platform', count: 0 };
      if (rows.length > 1) return { ok: false, code: 'ambiguous_platform', count: rows.length };
      byIssuer.set(key, { ids: [rows[0]!.id], expires: Date.now() + ttlMs });
      return { ok: true, entry: await load(rows[0]!) };
    },
    async findById(id: string): Promise<PlatformEntry | undefined> {
      const hit = byId.get(id);
      if (hit && hit.expires > Date.now()) return hit.entry;
      const row = await findPlatformAcrossWorkspaces(db, id);
      return row ? load(row) : undefined;
    },
    /** After this node records a learned deployment, remember it without waiting for the TTL. */
    rememberDeployment(platformId: string, deploymentId: string) {
      byId.get(platformId)?.entry.deploymentIds.add(deploymentId);
    },
  };
}

export type PlatformDirectory = ReturnType<typeof createPlatformDirectory>;
