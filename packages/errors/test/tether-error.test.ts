import { describe, expect, it } from 'vitest';
import { isTetherError, TetherError } from '../src/index.js';

class ThingError extends TetherError<'thing_missing' | 'thing_broken'> {
  override readonly name = 'ThingError';
}

describe('TetherError', () => {
  it('carries code, message and safe defaults', () => {
    const e = new TetherError('kid_not_found', 'no such kid');
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'TetherError', code: 'kid_not_found', message: 'no such kid', status: undefined, retryable: false, details: {} });
    expect(e.cause).toBeUndefined();
  });

  it('keeps status, retryable, details and cause from the options', () => {
    const cause = new Error('socket hang up');
    const e = new ThingError('thing_broken', 'broken', { status: 503, retryable: true, details: { url: 'https://lms.example/x' }, cause });
    expect(e).toMatchObject({ name: 'ThingError', code: 'thing_broken', status: 503, retryable: true, details: { url: 'https://lms.example/x' } });
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(TetherError);
  });

  it('narrows by class and optionally by code', () => {
    const e = new ThingError('thing_missing', 'gone');
    expect(isTetherError(e)).toBe(true);
    expect(isTetherError(e, 'thing_missing')).toBe(true);
    expect(isTetherError(e, 'thing_broken')).toBe(false);
    expect(isTetherError(new Error('x'))).toBe(false);
    expect(isTetherError({ code: 'thing_missing' })).toBe(false);
  });
});
