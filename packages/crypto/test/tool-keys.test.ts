import { type CryptoKey, calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createMemoryToolKeyStore,
  createToolKeySet,
  DEFAULT_RETIRED_RETENTION_MS,
  decryptPrivateJwk,
  encryptPrivateJwk,
  generateToolKey,
  type StoredToolKey,
  signJwt,
  type ToolKeyStore,
  verifyJwt,
} from '../src/index.js';
import { OTHER_SECRET, rejection, SECRET } from './helpers/fixtures.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function clock(start = Date.UTC(2025, 0, 1)) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

/** Verifies a token against a published JWKS document (what a platform would do). */
async function verifyAgainstJwks(token: string, jwks: { keys: JWK[] }, now: Date) {
  return verifyJwt(
    token,
    async ({ kid, alg }) => {
      const jwk = jwks.keys.find((k) => k.kid === kid);
      if (!jwk) throw new Error('not published');
      return (await importJWK(jwk, alg)) as CryptoKey;
    },
    { now: () => now },
  );
}

describe('generateToolKey', () => {
  it('returns an RS256 key whose kid is the JWK thumbprint and whose public JWK is minimal', async () => {
    const key = await generateToolKey();
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: key.kid });
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    expect(typeof key.privateJwk.d).toBe('string');
    expect(key.privateJwk.kid).toBe(key.kid);
    // 2048-bit modulus = 256 bytes = 342 base64url chars
    expect(key.publicJwk.n).toHaveLength(342);
  });

  it('generates a different key each time', async () => {
    const [a, b] = await Promise.all([generateToolKey(), generateToolKey()]);
    expect(a.kid).not.toBe(b.kid);
  });
});

describe('ToolKeySet', () => {
  it('initialises an empty store with one current and one next key, idempotently', async () => {
    const store = createMemoryToolKeyStore();
    const set = createToolKeySet({ store, secret: SECRET });
    const first = await set.ensureInitialised();
    expect(first.keys.map((k) => k.state)).toEqual(['current', 'next']);
    expect(first.next).not.toBeNull();

    const second = await set.ensureInitialised();
    expect(second.current).toBe(first.current);
    expect(second.next).toBe(first.next);
    expect(await store.list()).toHaveLength(2);
  });

  it('concurrent initialisation by two nodes leaves exactly one current and one next', async () => {
    const store = createMemoryToolKeyStore();
    const a = createToolKeySet({ store, secret: SECRET });
    const b = createToolKeySet({ store, secret: SECRET });
    const [sa, sb] = await Promise.all([a.ensureInitialised(), b.ensureInitialised()]);
    expect(sa.current).toBe(sb.current);
    const rows = await store.list();
    expect(rows.filter((r) => r.state === 'current')).toHaveLength(1);
    expect(rows.filter((r) => r.state === 'next')).toHaveLength(1);
  });

  it('publishes only public members in the JWKS', async () => {
    const set = createToolKeySet({ store: createMemoryToolKeyStore(), secret: SECRET });
    await set.ensureInitialised();
    const { keys } = set.jwks();
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    expect(keys[0]!.kid).toBe(set.summary().current);
  });

  it('never stores a private key in plaintext', async () => {
    const store = createMemoryToolKeyStore();
    const set = createToolKeySet({ store, secret: SECRET });
    await set.ensureInitialised();
    for (const row of await store.list()) {
      const privateJwk = await decryptPrivateJwk(row.privateJwkEncrypted, SECRET);
      expect(typeof privateJwk.d).toBe('string');
      expect(row.privateJwkEncrypted).not.toContain(privateJwk.d);
      expect(() => JSON.parse(row.privateJwkEncrypted)).toThrow();
      expect(JSON.stringify(row.publicJwk)).not.toContain(privateJwk.d);
      expect(row.publicJwk).not.toHaveProperty('d');
    }
  });

  it('signs with the current key, decrypting it once', async () => {
    const c = clock();
    const set = createToolKeySet({ store: createMemoryToolKeyStore(), secret: SECRET, now: c.now });
    await set.ensureInitialised();
    const signing = await set.signingKey();
    expect(signing.kid).toBe(set.summary().current);
    expect(signing.alg).toBe('RS256');
    expect(await set.signingKey()).toBe(signing);

    const token = await signJwt({ sub: 'x' }, { key: signing.key, kid: signing.kid, expiresInSec: 60, issuedAt: c.now() });
    const { payload, protectedHeader } = await verifyAgainstJwks(token, set.jwks(), c.now());
    expect(payload.sub).toBe('x');
    expect(protectedHeader.kid).toBe(signing.kid);
  });

  it('rotates with overlap: old current retired but published, old next signs, retired pruned after retention', async () => {
    const c = clock();
    const store = createMemoryToolKeyStore();
    const set = createToolKeySet({ store, secret: SECRET, now: c.now });
    const before = await set.ensureInitialised();
    const oldCurrent = before.current;
    const oldNext = before.next!;
    const oldSigning = await set.signingKey();
    const oldToken = await signJwt({ sub: 'before' }, { key: oldSigning.key, kid: oldSigning.kid, expiresInSec: 600, issuedAt: c.now() });

    c.advance(1000);
    const rotatedAt = c.now();
    const after = await set.rotate();
    expect(after.current).toBe(oldNext);
    expect(after.next).not.toBeNull();
    expect([oldCurrent, oldNext]).not.toContain(after.next);
    const retired = after.keys.find((k) => k.kid === oldCurrent)!;
    expect(retired).toMatchObject({ state: 'retired', published: true });
    expect(retired.retiredAt).toEqual(rotatedAt);
    expect(retired.publishedUntil).toEqual(new Date(rotatedAt.getTime() + DEFAULT_RETIRED_RETENTION_MS));
    expect(after.keys.find((k) => k.kid === oldNext)!.activatedAt).toEqual(rotatedAt);

    // JWKS: new current, new next, and the retired key so old tokens still verify.
    expect(set.jwks().keys.map((k) => k.kid)).toEqual([oldNext, after.next, oldCurrent]);
    expect((await verifyAgainstJwks(oldToken, set.jwks(), c.now())).payload.sub).toBe('before');

    const newSigning = await set.signingKey();
    expect(newSigning.kid).toBe(oldNext);
    const newToken = await signJwt({ sub: 'after' }, { key: newSigning.key, kid: newSigning.kid, expiresInSec: 600, issuedAt: c.now() });
    expect((await verifyAgainstJwks(newToken, set.jwks(), c.now())).protectedHeader.kid).toBe(oldNext);

    // Within retention nothing is pruned.
    c.advance(DEFAULT_RETIRED_RETENTION_MS - 2000);
    expect(await set.pruneRetired()).toEqual([]);
    expect(set.jwks().keys.map((k) => k.kid)).toContain(oldCurrent);

    // Past retention the key leaves the JWKS and is deleted.
    c.advance(2000);
    expect(set.jwks().keys.map((k) => k.kid)).not.toContain(oldCurrent);
    expect(await set.pruneRetired()).toEqual([oldCurrent]);
    expect((await store.list()).map((r) => r.kid)).not.toContain(oldCurrent);
    expect(set.summary().keys).toHaveLength(2);
  });

  it('a second node picks up a rotation on reload', async () => {
    const store = createMemoryToolKeyStore();
    const a = createToolKeySet({ store, secret: SECRET });
    const b = createToolKeySet({ store, secret: SECRET });
    await a.ensureInitialised();
    await b.ensureInitialised();
    const rotated = await a.rotate();
    expect(b.summary().current).not.toBe(rotated.current);
    await b.reload();
    expect(b.summary().current).toBe(rotated.current);
    expect((await b.signingKey()).kid).toBe(rotated.current);
  });

  it('refuses a store holding two keys with one kid', async () => {
    const key = await generateToolKey();
    const row: StoredToolKey = {
      kid: key.kid,
      publicJwk: key.publicJwk,
      privateJwkEncrypted: await encryptPrivateJwk(key.privateJwk, SECRET),
      state: 'current',
      createdAt: new Date(),
      activatedAt: new Date(),
      retiredAt: null,
    };
    const broken: ToolKeyStore = {
      list: async () => [row, { ...row, state: 'next', activatedAt: null }],
      insert: async () => {},
      applyRotation: async () => {},
      deleteKeys: async () => {},
    };
    const err = await rejection(createToolKeySet({ store: broken, secret: SECRET }).ensureInitialised());
    expect(err.code).toBe('duplicate_kid');
    expect(err.details).toMatchObject({ kid: key.kid });

    // The memory store refuses to create that state in the first place.
    const store = createMemoryToolKeyStore([row]);
    expect((await rejection(store.insert({ ...row, state: 'next' }))).code).toBe('duplicate_kid');
  });

  it('reports no_current_key when the store has keys but none is current', async () => {
    const key = await generateToolKey();
    const store = createMemoryToolKeyStore([
      {
        kid: key.kid,
        publicJwk: key.publicJwk,
        privateJwkEncrypted: await encryptPrivateJwk(key.privateJwk, SECRET),
        state: 'retired',
        createdAt: new Date(),
        activatedAt: new Date(),
        retiredAt: new Date(),
      },
    ]);
    const err = await rejection(createToolKeySet({ store, secret: SECRET }).ensureInitialised());
    expect(err.code).toBe('no_current_key');
  });

  it('refuses to publish before it is loaded', () => {
    const set = createToolKeySet({ store: createMemoryToolKeyStore(), secret: SECRET });
    expect(() => set.jwks()).toThrow(expect.objectContaining({ code: 'key_set_not_loaded' }));
  });

  it('fails with key_decrypt_failed when started with another secret', async () => {
    const store = createMemoryToolKeyStore();
    await createToolKeySet({ store, secret: SECRET }).ensureInitialised();
    const wrong = createToolKeySet({ store, secret: OTHER_SECRET });
    await wrong.ensureInitialised(); // listing and publishing need no secret
    expect(wrong.jwks().keys).toHaveLength(2);
    expect((await rejection(wrong.signingKey())).code).toBe('key_decrypt_failed');
  });

  it('detects a private key stored under another kid', async () => {
    const store = createMemoryToolKeyStore();
    const set = createToolKeySet({ store, secret: SECRET });
    await set.ensureInitialised();
    const rows = await store.list();
    const current = rows.find((r) => r.state === 'current')!;
    const next = rows.find((r) => r.state === 'next')!;
    const swapped = createMemoryToolKeyStore([{ ...current, privateJwkEncrypted: next.privateJwkEncrypted }, next]);
    const other = createToolKeySet({ store: swapped, secret: SECRET });
    await other.reload();
    const err = await rejection(other.signingKey());
    expect(err.code).toBe('key_decrypt_failed');
    expect(err.details).toMatchObject({ kid: current.kid });
  });

  it('memory store rejects a stale concurrent rotation as a whole', async () => {
    const store = createMemoryToolKeyStore();
    const a = createToolKeySet({ store, secret: SECRET });
    await a.ensureInitialised();
    const before = await store.list();
    const cur = before.find((r) => r.state === 'current')!;
    const err = await rejection(
      store.applyRotation(
        [
          { kid: cur.kid, state: 'retired', retiredAt: new Date(), expectedState: 'current' },
          { kid: cur.kid, state: 'current', expectedState: 'next' },
        ],
        [],
      ),
    );
    expect(err.code).toBe('key_state_conflict');
    expect(await store.list()).toEqual(before);
  });
});
