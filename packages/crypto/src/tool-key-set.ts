import { type CryptoKey, calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { CryptoError } from './errors.js';
import { decryptPrivateJwk, encryptPrivateJwk } from './private-key-encryption.js';
import { toPublicJwk } from './public-jwk.js';
import { generateToolKey } from './tool-keys.js';

export type ToolKeyState = 'current' | 'next' | 'retired';

/** One tool key as persisted. Plain data: the store never sees a CryptoKey or plaintext `d`. */
export interface StoredToolKey {
  kid: string;
  publicJwk: JWK;
  /** Compact JWE (see encryptPrivateJwk). Never the plaintext private JWK. */
  privateJwkEncrypted: string;
  state: ToolKeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

export interface ToolKeyStateChange {
  kid: string;
  state: ToolKeyState;
  activatedAt?: Date | null;
  retiredAt?: Date | null;
  /**
   * The state the key is expected to be in before the change. A store SHOULD apply the
   * change only if it still matches (compare-and-set) and otherwise reject the whole
   * rotation, so two nodes rotating at once cannot both succeed. Optional for stores.
   */
  expectedState?: ToolKeyState;
}

/**
 * Persistence injected by the caller (the DB package implements it; `createMemoryToolKeyStore`
 * is the reference). Stores SHOULD also enforce: kid unique; at most one `current` and at
 * most one `next` (e.g. partial unique indexes), so concurrent initialisation by several
 * nodes leaves exactly one winner.
 */
export interface ToolKeyStore {
  list(): Promise<StoredToolKey[]>;
  insert(key: StoredToolKey): Promise<void>;
  /** Atomically apply a rotation: all listed state changes and inserts in one transaction. */
  applyRotation(changes: ToolKeyStateChange[], inserted: StoredToolKey[]): Promise<void>;
  deleteKeys(kids: string[]): Promise<void>;
}

export interface ToolKeySetOptions {
  store: ToolKeyStore;
  /** Master secret (see loadMasterSecret); private keys are encrypted with a key derived from it. */
  secret: Uint8Array;
  /** How long a retired key stays in the JWKS, so tokens it signed still verify. Default 7 days. */
  retiredRetentionMs?: number;
  now?: () => Date;
}

export interface ToolKeySummaryEntry {
  kid: string;
  state: ToolKeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  /** Whether the key is in the published JWKS right now. */
  published: boolean;
  /** For retired keys: when they drop out of the JWKS and become prunable. */
  publishedUntil: Date | null;
}

export interface ToolKeySetSummary {
  current: string;
  next: string | null;
  keys: ToolKeySummaryEntry[];
}

export interface SigningKey {
  kid: string;
  key: CryptoKey;
  alg: 'RS256';
}

export const DEFAULT_RETIRED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const STATES: readonly ToolKeyState[] = ['current', 'next', 'retired'];
const STATE_ORDER: Record<ToolKeyState, number> = { current: 0, next: 1, retired: 2 };

/**
 * The tool's own signing keys: one `current` (signs), one `next` (already published so
 * platforms that cache our JWKS know it before it signs anything), and `retired` keys kept
 * published for a retention window so tokens they signed still verify.
 *
 * State lives in the store; this object holds a validated snapshot. Call `reload()`
 * periodically on every node so a rotation done elsewhere is picked up.
 */
export class ToolKeySet {
  readonly #store: ToolKeyStore;
  readonly #secret: Uint8Array;
  readonly #retentionMs: number;
  readonly #now: () => Date;
  #keys: readonly StoredToolKey[] | undefined;
  #signing: { kid: string; promise: Promise<SigningKey> } | undefined;

  constructor(opts: ToolKeySetOptions) {
    const retention = opts.retiredRetentionMs ?? DEFAULT_RETIRED_RETENTION_MS;
    if (!Number.isFinite(retention) || retention < 0) {
      throw new TypeError('ToolKeySet: retiredRetentionMs must be a non-negative number');
    }
    this.#store = opts.store;
    this.#secret = opts.secret;
    this.#retentionMs = retention;
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * Creates a current and a next key when the store is empty, and a next key when only
   * that is missing. Safe to call on every start, on every node.
   */
  async ensureInitialised(): Promise<ToolKeySetSummary> {
    const keys = await this.#store.list();
    validateKeys(keys);
    const hasCurrent = keys.some((k) => k.state === 'current');
    const hasNext = keys.some((k) => k.state === 'next');

    try {
      if (keys.length === 0) {
        const now = this.#now();
        const current = await this.#newStoredKey('current', now);
        const next = await this.#newStoredKey('next', now);
        await this.#store.applyRotation([], [current, next]);
      } else if (hasCurrent && !hasNext) {
        await this.#store.insert(await this.#newStoredKey('next', this.#now()));
      }
    } catch (err) {
      // Another node may have initialised concurrently and the store refused our insert.
      // If the store now holds a usable set, that is success; otherwise report our failure.
      const after = await this.#store.list();
      if (!after.some((k) => k.state === 'current') || !after.some((k) => k.state === 'next')) throw err;
    }
    await this.reload();
    return this.summary();
  }

  /** Re-reads the store and validates it. Throws `no_current_key` if nothing can sign. */
  async reload(): Promise<void> {
    const keys = await this.#store.list();
    validateKeys(keys);
    if (!keys.some((k) => k.state === 'current')) {
      throw new CryptoError('no_current_key', 'No current tool key: run ensureInitialised() (or check the key store)');
    }
    this.#keys = keys.map(cloneKey);
    if (this.#signing !== undefined && this.#signing.kid !== this.#current().kid) this.#signing = undefined;
  }

  /** The public JWKS: current, next and retired keys still within retention. */
  jwks(): { keys: JWK[] } {
    const now = this.#now().getTime();
    const keys = this.#loaded()
      .filter((k) => this.#isPublished(k, now))
      .sort(byStateThenNewest)
      .map((k) => toPublicJwk(k.publicJwk));
    return { keys };
  }

  /** The current private key, decrypted once and cached until the current key changes. */
  async signingKey(): Promise<SigningKey> {
    const current = this.#current();
    if (this.#signing === undefined || this.#signing.kid !== current.kid) {
      const promise = this.#loadSigningKey(current);
      this.#signing = { kid: current.kid, promise };
      // Do not cache a failure: the next call retries.
      promise.catch(() => {
        if (this.#signing?.promise === promise) this.#signing = undefined;
      });
    }
    return this.#signing.promise;
  }

  /**
   * current → retired (retiredAt = now), next → current (activatedAt = now), and a fresh
   * next key, all in one store transaction.
   */
  async rotate(): Promise<ToolKeySetSummary> {
    // Work from the store, not the snapshot: another node may have rotated already.
    await this.reload();
    const now = this.#now();
    const current = this.#current();
    const next = this.#loaded().find((k) => k.state === 'next');

    const changes: ToolKeyStateChange[] = [{ kid: current.kid, state: 'retired', retiredAt: now, expectedState: 'current' }];
    const inserted: StoredToolKey[] = [];
    if (next !== undefined) {
      changes.push({ kid: next.kid, state: 'current', activatedAt: now, expectedState: 'next' });
    } else {
      // No pre-published next key (should not happen after ensureInitialised): promote a new one.
      inserted.push(await this.#newStoredKey('current', now));
    }
    inserted.push(await this.#newStoredKey('next', now));

    await this.#store.applyRotation(changes, inserted);
    await this.reload();
    return this.summary();
  }

  /** Deletes retired keys past the retention window. Returns the deleted kids. */
  async pruneRetired(): Promise<string[]> {
    await this.reload();
    const now = this.#now().getTime();
    const expired = this.#loaded()
      .filter((k) => k.state === 'retired' && !this.#isPublished(k, now))
      .map((k) => k.kid);
    if (expired.length > 0) {
      await this.#store.deleteKeys(expired);
      await this.reload();
    }
    return expired;
  }

  summary(): ToolKeySetSummary {
    const keys = this.#loaded();
    const now = this.#now().getTime();
    return {
      current: this.#current().kid,
      next: keys.find((k) => k.state === 'next')?.kid ?? null,
      keys: [...keys].sort(byStateThenNewest).map((k) => ({
        kid: k.kid,
        state: k.state,
        createdAt: new Date(k.createdAt),
        activatedAt: k.activatedAt === null ? null : new Date(k.activatedAt),
        retiredAt: k.retiredAt === null ? null : new Date(k.retiredAt),
        published: this.#isPublished(k, now),
        publishedUntil: k.state === 'retired' && k.retiredAt !== null ? new Date(k.retiredAt.getTime() + this.#retentionMs) : null,
      })),
    };
  }

  #loaded(): readonly StoredToolKey[] {
    if (this.#keys === undefined) {
      throw new CryptoError('key_set_not_loaded', 'Tool key set not loaded: call ensureInitialised() or reload() first');
    }
    return this.#keys;
  }

  #current(): StoredToolKey {
    const current = this.#loaded().find((k) => k.state === 'current');
    if (current === undefined) throw new CryptoError('no_current_key', 'No current tool key');
    return current;
  }

  #isPublished(key: StoredToolKey, nowMs: number): boolean {
    if (key.state !== 'retired') return true;
    // A retired key without a retiredAt has no provable age: treat it as past retention.
    return key.retiredAt !== null && key.retiredAt.getTime() + this.#retentionMs > nowMs;
  }

  async #newStoredKey(state: 'current' | 'next', now: Date): Promise<StoredToolKey> {
    const generated = await generateToolKey();
    return {
      kid: generated.kid,
      publicJwk: generated.publicJwk,
      privateJwkEncrypted: await encryptPrivateJwk(generated.privateJwk, this.#secret),
      state,
      createdAt: now,
      activatedAt: state === 'current' ? now : null,
      retiredAt: null,
    };
  }

  async #loadSigningKey(stored: StoredToolKey): Promise<SigningKey> {
    const jwk = await decryptPrivateJwk(stored.privateJwkEncrypted, this.#secret);
    // Bind the ciphertext to its row: a private key copied into another row's column would
    // otherwise sign under the wrong kid and fail verification far away from the cause.
    const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
    if (thumbprint !== stored.kid) {
      throw new CryptoError('key_decrypt_failed', 'Decrypted private key does not belong to its kid', {
        details: { kid: stored.kid },
      });
    }
    const key = await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
    if (key instanceof Uint8Array) throw new CryptoError('key_decrypt_failed', 'Stored tool key is not an RSA key', { details: { kid: stored.kid } });
    return { kid: stored.kid, key, alg: 'RS256' };
  }
}

export function createToolKeySet(opts: ToolKeySetOptions): ToolKeySet {
  return new ToolKeySet(opts);
}

/** Refuses snapshots that would make signing or publishing ambiguous. */
function validateKeys(keys: readonly StoredToolKey[]): void {
  const seen = new Set<string>();
  let current = 0;
  let next = 0;
  for (const key of keys) {
    if (seen.has(key.kid)) {
      throw new CryptoError('duplicate_kid', 'Key store holds two keys with the same kid', { details: { kid: key.kid } });
    }
    seen.add(key.kid);
    if (!STATES.includes(key.state)) {
      throw new CryptoError('key_state_conflict', 'Key store holds a key with an unknown state', {
        details: { kid: key.kid, state: String(key.state) },
      });
    }
    if (key.state === 'current') current++;
    if (key.state === 'next') next++;
  }
  if (current > 1 || next > 1) {
    throw new CryptoError('key_state_conflict', 'Key store holds more than one current or next key', {
      details: { current, next },
    });
  }
}

function byStateThenNewest(a: StoredToolKey, b: StoredToolKey): number {
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || b.createdAt.getTime() - a.createdAt.getTime();
}

function cloneKey(key: StoredToolKey): StoredToolKey {
  return structuredClone(key);
}

/**
 * In-memory ToolKeyStore: the reference semantics for real stores (kid unique, at most one
 * current and one next, rotations all-or-nothing, expectedState honoured). Data is cloned
 * in and out so callers cannot mutate stored state by reference.
 */
export function createMemoryToolKeyStore(initial: readonly StoredToolKey[] = []): ToolKeyStore {
  let rows: StoredToolKey[] = initial.map(cloneKey);

  const commit = (candidate: StoredToolKey[]): void => {
    validateKeys(candidate);
    rows = candidate;
  };

  return {
    async list() {
      return rows.map(cloneKey);
    },
    async insert(key) {
      commit([...rows, cloneKey(key)]);
    },
    async applyRotation(changes, inserted) {
      // Build the whole new state first, then swap it in: all or nothing.
      const candidate = rows.map(cloneKey);
      for (const change of changes) {
        const row = candidate.find((r) => r.kid === change.kid);
        if (row === undefined) {
          throw new CryptoError('key_state_conflict', 'Rotation refers to an unknown kid', { details: { kid: change.kid } });
        }
        if (change.expectedState !== undefined && row.state !== change.expectedState) {
          throw new CryptoError('key_state_conflict', 'Key changed state concurrently; rotation not applied', {
            details: { kid: change.kid, expected: change.expectedState, actual: row.state },
          });
        }
        row.state = change.state;
        if (change.activatedAt !== undefined) row.activatedAt = change.activatedAt;
        if (change.retiredAt !== undefined) row.retiredAt = change.retiredAt;
      }
      commit([...candidate, ...inserted.map(cloneKey)]);
    },
    async deleteKeys(kids) {
      const drop = new Set(kids);
      rows = rows.filter((r) => !drop.has(r.kid));
    },
  };
}
