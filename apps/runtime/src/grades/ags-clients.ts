// AGS clients for the passback worker, cached in-process per platform registration +
// deployment + granted scope set: one service token then serves every learner's post
// until it nears expiry (LMSes rate-limit token requests).
import { createAgsClient, createServiceTokenProvider, type AgsClient, type ServiceTokenProvider } from '@tether/ags';
import type { ToolKeySet } from '@tether/crypto';
import type { Launch, Platform } from '@tether/db';

export interface AgsClientEntry {
  tokens: ServiceTokenProvider;
  client: AgsClient;
}

export function createAgsClientCache(opts: { keys: ToolKeySet; userAgent: string; fetch?: typeof fetch; timeoutMs?: number }) {
  const entries = new Map<string, AgsClientEntry>();
  let dropped = { tokenRequests: 0, cacheHits: 0 };

  const keyOf = (platform: Platform, launch: Pick<Launch, 'deployment_id' | 'ags_scopes'>) =>
    JSON.stringify([
      platform.id,
      // A re-saved platform (new token URL, audience, client ID) gets a fresh provider.
      platform.updated_at.getTime(),
      platform.token_url,
      platform.client_id,
      platform.token_audience ?? null,
      launch.deployment_id ?? null,
      [...new Set(launch.ags_scopes)].sort(),
    ]);

  const forget = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    const s = e.tokens.stats();
    dropped = { tokenRequests: dropped.tokenRequests + s.tokenRequests, cacheHits: dropped.cacheHits + s.cacheHits };
    entries.delete(key);
  };

  return {
    get(platform: Platform, launch: Pick<Launch, 'deployment_id' | 'ags_scopes'>): AgsClientEntry {
      const key = keyOf(platform, launch);
      const hit = entries.get(key);
      if (hit) return hit;
      if (entries.size >= 1000) for (const k of [...entries.keys()].slice(0, 100)) forget(k);
      const tokens = createServiceTokenProvider({
        clientId: platform.client_id,
        tokenUrl: platform.token_url,
        ...(platform.token_audience ? { audience: platform.token_audience } : {}),
        ...(launch.deployment_id ? { deploymentId: launch.deployment_id } : {}),
        signer: () => opts.keys.signingKey(),
        userAgent: opts.userAgent,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      const client = createAgsClient({
        tokens,
        grantedScopes: launch.ags_scopes,
        userAgent: opts.userAgent,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      const entry = { tokens, client };
      entries.set(key, entry);
      return entry;
    },
    /** After a permanent token failure: the next try builds a new provider (and asks for a new token). */
    drop(platform: Platform, launch: Pick<Launch, 'deployment_id' | 'ags_scopes'>) {
      forget(keyOf(platform, launch));
    },
    /** Token requests made (and cache hits) by this process's passback worker. */
    stats() {
      let tokenRequests = dropped.tokenRequests;
      let cacheHits = dropped.cacheHits;
      for (const e of entries.values()) {
        const s = e.tokens.stats();
        tokenRequests += s.tokenRequests;
        cacheHits += s.cacheHits;
      }
      return { providers: entries.size, tokenRequests, cacheHits };
    },
  };
}

export type AgsClientCache = ReturnType<typeof createAgsClientCache>;
