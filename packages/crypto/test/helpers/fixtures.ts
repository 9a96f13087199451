import { expect } from 'vitest';
import { CryptoError } from '../../src/index.js';

export const SECRET = new TextEncoder().encode('test-master-secret-0123456789-abcdefghijklmnop');
export const OTHER_SECRET = new TextEncoder().encode('another-master-secret-0123456789-abcdefghijkl');

/** Awaits a promise expected to reject with a CryptoError and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<CryptoError> {
  const outcome = await p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected a rejection, got a value');
  expect(outcome.error).toBeInstanceOf(CryptoError);
  return outcome.error as CryptoError;
}
