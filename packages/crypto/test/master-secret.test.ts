import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CryptoError, deriveKey, loadMasterSecret } from '../src/index.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tether-secret-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const ENV_SECRET = `${'x'.repeat(20)}a-long-enough-secret-value`;

async function rejection(p: Promise<unknown>): Promise<CryptoError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CryptoError);
  return err as CryptoError;
}

describe('loadMasterSecret', () => {
  it('uses TETHER_SECRET when given, even in production', async () => {
    const result = await loadMasterSecret({ env: ENV_SECRET, production: true });
    expect(result.source).toBe('env');
    expect(new TextDecoder().decode(result.secret)).toBe(ENV_SECRET);
  });

  it('trims surrounding whitespace from the env value', async () => {
    const result = await loadMasterSecret({ env: `  ${ENV_SECRET}\n`, production: false });
    expect(new TextDecoder().decode(result.secret)).toBe(ENV_SECRET);
  });

  it('rejects a TETHER_SECRET shorter than 32 characters', async () => {
    const err = await rejection(loadMasterSecret({ env: 'short', production: true }));
    expect(err.code).toBe('secret_invalid');
    expect(err.message).not.toContain('short');
  });

  it('refuses to run in production without TETHER_SECRET', async () => {
    const err = await rejection(loadMasterSecret({ env: undefined, dataDir: root, production: true }));
    expect(err.code).toBe('secret_missing');
    expect(err.message).toContain('TETHER_SECRET must be set when NODE_ENV=production');
    expect(err.message).toContain('openssl rand -base64 48');
    // Nothing was generated on disk.
    expect(await readdir(root)).toEqual([]);
  });

  it('generates a secret once (mode 0600, nested dir created) and reuses it', async () => {
    const dataDir = join(root, 'nested', '.data');
    const first = await loadMasterSecret({ dataDir, production: false });
    expect(first.source).toBe('generated');
    expect(first.secret.byteLength).toBe(64); // 48 random bytes as base64url

    const file = join(dataDir, 'secret');
    const info = await stat(file);
    expect(info.mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toBe(new TextDecoder().decode(first.secret));

    const second = await loadMasterSecret({ dataDir, production: false });
    expect(second.source).toBe('file');
    expect(Buffer.from(second.secret).equals(Buffer.from(first.secret))).toBe(true);
  });

  it('concurrent generation yields exactly one secret and leaves no temp files', async () => {
    const dataDir = join(root, 'race');
    const results = await Promise.all(Array.from({ length: 12 }, () => loadMasterSecret({ dataDir, production: false })));
    expect(results.filter((r) => r.source === 'generated')).toHaveLength(1);
    const distinct = new Set(results.map((r) => Buffer.from(r.secret).toString('hex')));
    expect(distinct.size).toBe(1);
    expect(await readdir(dataDir)).toEqual(['secret']);
  });

  it('rejects a secret file that is too short', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(root, 'secret'), 'tiny\n');
    const err = await rejection(loadMasterSecret({ dataDir: root, production: false }));
    expect(err.code).toBe('secret_invalid');
  });

  it('the file content works as TETHER_SECRET and derives the same keys', async () => {
    const fromFile = await loadMasterSecret({ dataDir: root, production: false });
    const content = await readFile(join(root, 'secret'), 'utf8');
    const fromEnv = await loadMasterSecret({ env: content, production: true });
    expect(Buffer.from(deriveKey(fromEnv.secret, 'p')).equals(Buffer.from(deriveKey(fromFile.secret, 'p')))).toBe(true);
  });
});

describe('deriveKey', () => {
  const secret = new TextEncoder().encode(ENV_SECRET);

  it('is deterministic per purpose and separates purposes', () => {
    const a1 = deriveKey(secret, 'tool-key-encryption');
    const a2 = deriveKey(secret, 'tool-key-encryption');
    const b = deriveKey(secret, 'one-time-token');
    expect(a1).toHaveLength(32);
    expect(Buffer.from(a1).equals(Buffer.from(a2))).toBe(true);
    expect(Buffer.from(a1).equals(Buffer.from(b))).toBe(false);
  });

  it('honours the length and depends on the secret', () => {
    expect(deriveKey(secret, 'p', 64)).toHaveLength(64);
    const other = new TextEncoder().encode(ENV_SECRET.replace('a', 'b'));
    expect(Buffer.from(deriveKey(other, 'p')).equals(Buffer.from(deriveKey(secret, 'p')))).toBe(false);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => deriveKey(new Uint8Array(16), 'p')).toThrow(expect.objectContaining({ code: 'secret_invalid' }));
  });
});
