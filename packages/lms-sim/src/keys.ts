/** Platform signing keys: one current key plus older published keys; rotation. */
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { randomId } from './util.js';

export interface PlatformKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  createdAt: number;
}

async function generatePlatformKey(kidPrefix = 'sim'): Promise<PlatformKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `${kidPrefix}-${randomId(8)}`;
  const jwk = await exportJWK(publicKey);
  const publicJwk: JWK = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk, createdAt: Date.now() };
}

export class KeyStore {
  /** Published keys, oldest first; the last one is current. */
  private published: PlatformKey[] = [];
  private rogue: PlatformKey | undefined;

  static async create(): Promise<KeyStore> {
    const ks = new KeyStore();
    ks.published.push(await generatePlatformKey());
    return ks;
  }

  get current(): PlatformKey {
    const k = this.published[this.published.length - 1];
    if (!k) throw new Error('KeyStore: no key');
    return k;
  }

  kids(): string[] {
    return this.published.map((k) => k.kid);
  }

  jwks(): { keys: JWK[] } {
    // Newest first, like most platforms; public members only.
    return { keys: [...this.published].reverse().map((k) => ({ ...k.publicJwk })) };
  }

  async rotate(keepOld = true): Promise<string> {
    const next = await generatePlatformKey();
    if (keepOld) this.published.push(next);
    else this.published = [next];
    return next.kid;
  }

  /** Drop a published key (e.g. an old one after rotation). */
  revoke(kid: string): boolean {
    if (this.published.length <= 1 && this.published[0]?.kid === kid) return false;
    const before = this.published.length;
    this.published = this.published.filter((k) => k.kid !== kid);
    return this.published.length !== before;
  }

  /** A key that is never published (for `Tamper.wrongKey`). */
  async rogueKey(): Promise<PlatformKey> {
    this.rogue ??= await generatePlatformKey('rogue');
    return this.rogue;
  }

  async currentPublicPem(): Promise<string> {
    return exportSPKI(this.current.publicKey);
  }
}
