import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CryptoError } from './errors.js';

/** Shortest accepted master secret, in characters (≈ 192 bits of base64). */
export const MIN_SECRET_LENGTH = 32;

const SECRET_FILE = 'secret';
// Fixed, public salt: HKDF's job here is domain separation between purposes, the entropy
// comes from the master secret itself.
const HKDF_SALT = new TextEncoder().encode('tether/hkdf/v1');

export interface LoadMasterSecretOptions {
  /** The value of TETHER_SECRET, if set. */
  env?: string | undefined;
  /** Directory holding the generated secret for development (`<dataDir>/secret`). */
  dataDir?: string;
  /** True when NODE_ENV=production: a secret must then come from the environment. */
  production: boolean;
}

export interface MasterSecret {
  /** UTF-8 bytes of the (trimmed) secret string. Feed it to deriveKey, never use it directly. */
  secret: Uint8Array;
  source: 'env' | 'file' | 'generated';
}

/**
 * Loads the master secret all other keys are derived from.
 *
 * The secret is a string; its UTF-8 bytes are the HKDF input. The env value and the file
 * content are treated identically, so copying `<dataDir>/secret` into TETHER_SECRET keeps
 * every derived key (and so every encrypted tool key) valid.
 */
export async function loadMasterSecret(opts: LoadMasterSecretOptions): Promise<MasterSecret> {
  if (opts.env !== undefined && opts.env !== '') {
    return { secret: parseSecret(opts.env, 'TETHER_SECRET'), source: 'env' };
  }
  if (opts.production) {
    throw new CryptoError('secret_missing', 'TETHER_SECRET must be set when NODE_ENV=production; generate one with `openssl rand -base64 48`');
  }
  if (opts.dataDir === undefined) {
    throw new CryptoError('secret_missing', 'TETHER_SECRET is not set and no data directory was given to keep a generated secret in');
  }

  const file = join(opts.dataDir, SECRET_FILE);
  const existing = await readSecretFile(file);
  if (existing !== undefined) return { secret: existing, source: 'file' };

  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const generated = randomBytes(48).toString('base64url');

  // Write the whole secret to a private temp file, then hard-link it into place. link()
  // fails with EEXIST instead of replacing, so when two processes race exactly one wins,
  // and a reader can never observe a half-written file.
  const tmp = join(opts.dataDir, `.${SECRET_FILE}.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(tmp, generated, { flag: 'wx', mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      const winner = await readSecretFile(file);
      if (winner === undefined) throw new CryptoError('secret_invalid', `Secret file ${file} vanished while reading it`);
      return { secret: winner, source: 'file' };
    }
    // Filesystems without hard links: fall back to an exclusive create of the final file.
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS'].includes(errnoCode(err) ?? '')) throw err;
    try {
      await writeFile(file, generated, { flag: 'wx', mode: 0o600 });
    } catch (err2) {
      if (errnoCode(err2) !== 'EEXIST') throw err2;
      const winner = await readSecretFile(file);
      if (winner === undefined) throw new CryptoError('secret_invalid', `Secret file ${file} vanished while reading it`);
      return { secret: winner, source: 'file' };
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return { secret: parseSecret(generated, file), source: 'generated' };
}

/**
 * Derives an independent sub-key for one purpose (HKDF-SHA256). Different purposes give
 * unrelated keys, so a key leaked from one use cannot be replayed in another.
 */
export function deriveKey(secret: Uint8Array, purpose: string, length = 32): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_LENGTH) {
    throw new CryptoError('secret_invalid', `Master secret must be at least ${MIN_SECRET_LENGTH} bytes`);
  }
  if (purpose === '') throw new TypeError('deriveKey: purpose must be a non-empty string');
  if (!Number.isInteger(length) || length < 16 || length > 255 * 32) {
    throw new TypeError('deriveKey: length must be an integer between 16 and 8160');
  }
  return new Uint8Array(hkdfSync('sha256', secret, HKDF_SALT, new TextEncoder().encode(purpose), length));
}

function parseSecret(value: string, origin: string): Uint8Array {
  // Trim so a trailing newline from `echo`/an editor does not silently change the key.
  const trimmed = value.trim();
  if (trimmed.length < MIN_SECRET_LENGTH) {
    throw new CryptoError('secret_invalid', `${origin} must be at least ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 48\``, {
      details: { origin, length: trimmed.length },
    });
  }
  return new TextEncoder().encode(trimmed);
}

async function readSecretFile(file: string): Promise<Uint8Array | undefined> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  return parseSecret(content, file);
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
