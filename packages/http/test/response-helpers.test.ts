import { describe, expect, it } from 'vitest';
import { bodyExcerpt, parseJsonBody, retryAfterSec } from '../src/index.js';

describe('response helpers', () => {
  it('excerpt, JSON and Retry-After', () => {
    expect(bodyExcerpt('abc', 2)).toBe('ab…');
    expect(bodyExcerpt('abc')).toBe('abc');
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonBody('<html>')).toBeUndefined();
    expect(retryAfterSec(new Headers({ 'retry-after': ' 30 ' }))).toBe(30);
    expect(retryAfterSec(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }))).toBeUndefined();
    expect(retryAfterSec(new Headers())).toBeUndefined();
  });
});
