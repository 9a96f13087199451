// Service-token providers for NRPS, cached per platform registration + deployment (the token
// provider itself caches per scope set): one token serves every page and every context of a
// platform until it nears expiry.
import { createServiceTokenProvider, type ServiceTokenProvider } from '@tether/ags';
import type { ToolKeySet } from '@tether/crypto';
import type { Platform } from '@tether/db';

export function createServiceTokenCache(opts: { keys: ToolKeySet; userAgent: string; fetch?: typeof fetch; timeoutMs?: number }) {
  const entries = new Map<string, ServiceTokenProvider>();
  const keyOf = (platform: Platform, deploymentId: string | null) =>
    JSON.stringify([platform.id, platform.updated_at.getTime(), platform.token_url, platform.client_id, platform.token_audience ?? null, deploymentId]);
  return {
    get(platform: Platform, deploymentId: string | null): ServiceTokenProvider {
      const key = keyOf(platform, deploymentId);
      const hit = entries.get(key);
      if (hit) return hit;
      if (entries.size >= 1000) for (const k of [...entries.keys()].slice(0, 100)) entries.delete(k);
      const tokens = createServiceTokenProvider({
        clientId: platform.client_id,
        tokenUrl: platform.token_url,
        ...(platform.token_audience ? { audience: platform.token_audience } : {}),
        ...(deploymentId ? { deploymentId } : {}),
        signer: () => opts.keys.signingKey(),
        userAgent: opts.userAgent,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      entries.set(key, tokens);
      return tokens;
    },
    /** After a refused token: the next try builds a new provider. */
    drop(platform: Platform, deploymentId: string | null) {
      entries.delete(keyOf(platform, deploymentId));
    },
  };
}

export type ServiceTokenCache = ReturnType<typeof createServiceTokenCache>;
