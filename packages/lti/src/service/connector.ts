// The LTI service connector of a process: one token cache shared by every service client (AGS
// grade passback, NRPS roster sync), so a platform registration holds one token per scope set
// however many callers use it.
import {
  type CachedServiceToken,
  createServiceTokenProvider,
  type ServiceTokenCache,
  type ServiceTokenProvider,
  type ServiceTokenProviderOptions,
  type ServiceTokenProviderStats,
} from './token-provider.js';

/** What identifies a platform registration at its token endpoint. */
export interface ServiceRegistration {
  clientId: string;
  tokenUrl: string;
  /** Client-assertion `aud` when it is not the token URL (D2L). */
  audience?: string;
  /** Sent in the client assertion; tokens are still shared across a registration's deployments. */
  deploymentId?: string;
}

export type ServiceConnectorOptions = Omit<ServiceTokenProviderOptions, 'clientId' | 'tokenUrl' | 'audience' | 'deploymentId' | 'cache'> & {
  /** Cached tokens kept at most; the oldest are dropped first. Default 10 000. */
  maxTokens?: number;
  /** Registrations kept at most; the least recently used are forgotten first. Default 1000. */
  maxRegistrations?: number;
};

export interface ServiceConnectorStats extends ServiceTokenProviderStats {
  registrations: number;
  cachedTokens: number;
}

export interface ServiceConnector {
  /** The token source of one registration; every caller in the process shares its tokens. */
  tokens(registration: ServiceRegistration): ServiceTokenProvider;
  /** Token requests, cache hits… of every registration since the connector was made. */
  stats(): ServiceConnectorStats;
}

export function createServiceConnector(opts: ServiceConnectorOptions): ServiceConnector {
  const { maxTokens = 10_000, maxRegistrations = 1000, ...providerOptions } = opts;
  const cache = boundedCache(maxTokens);
  const providers = new Map<string, ServiceTokenProvider>();
  // Counters of providers already forgotten, so stats() stays monotonic.
  const forgotten: ServiceTokenProviderStats = { tokenRequests: 0, cacheHits: 0, joinedInFlight: 0, invalidations: 0 };

  const keyOf = (r: ServiceRegistration) => JSON.stringify([r.tokenUrl, r.clientId, r.audience ?? null, r.deploymentId ?? null]);

  function forget(key: string): void {
    const provider = providers.get(key);
    if (provider === undefined) return;
    add(forgotten, provider.stats());
    providers.delete(key);
  }

  return {
    tokens(registration) {
      const key = keyOf(registration);
      const known = providers.get(key);
      if (known !== undefined) {
        providers.delete(key); // re-insert: Map order is least recently used first
        providers.set(key, known);
        return known;
      }
      while (providers.size >= maxRegistrations) {
        const oldest = providers.keys().next();
        if (oldest.done === true) break;
        forget(oldest.value);
      }
      // The provider's own cache key is (token URL, client_id, scope set): registrations that
      // differ only in deployment share their tokens through the one cache.
      const provider = createServiceTokenProvider({
        ...providerOptions,
        clientId: registration.clientId,
        tokenUrl: registration.tokenUrl,
        ...(registration.audience === undefined ? {} : { audience: registration.audience }),
        ...(registration.deploymentId === undefined ? {} : { deploymentId: registration.deploymentId }),
        cache,
      });
      providers.set(key, provider);
      return provider;
    },
    stats() {
      const total = { ...forgotten };
      for (const provider of providers.values()) add(total, provider.stats());
      return { ...total, registrations: providers.size, cachedTokens: cache.size };
    },
  };
}

function add(into: ServiceTokenProviderStats, s: ServiceTokenProviderStats): void {
  into.tokenRequests += s.tokenRequests;
  into.cacheHits += s.cacheHits;
  into.joinedInFlight += s.joinedInFlight;
  into.invalidations += s.invalidations;
}

/** A token cache that forgets its oldest entries beyond `max` (expired tokens age out this way). */
function boundedCache(max: number): ServiceTokenCache & { readonly size: number } {
  const map = new Map<string, CachedServiceToken>();
  return {
    get: (key) => map.get(key),
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      while (map.size > max) {
        const oldest = map.keys().next();
        if (oldest.done === true) break;
        map.delete(oldest.value);
      }
    },
    delete: (key) => map.delete(key),
    get size() {
      return map.size;
    },
  };
}
