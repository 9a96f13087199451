// After sign-in the dashboard follows `next` only to a path on its own origin.
import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../src/index.js';

const ORIGIN = 'https://admin.tether.example';

describe('safeNextPath (the sign-in redirect)', () => {
  it.each([
    ['/\\evil.example/x', 'a backslash (browsers read it as /)'],
    ['/\t/evil.example', 'a tab (browsers drop it) — what /%09/ decodes to'],
    ['/%09/evil.example', 'a percent-encoded tab'],
    ['/%5cevil.example', 'a percent-encoded backslash'],
    ['/\n/evil.example', 'a newline'],
    ['//evil.example', 'a protocol-relative URL'],
    ['//evil.example/grades', 'a protocol-relative URL with a path'],
    ['https://evil.example', 'an absolute URL elsewhere'],
    ['https://admin.tether.example.evil.example/', 'a look-alike host'],
    ['/.//evil.example', 'dot segments that normalise to //'],
    ['/..//evil.example', 'dot-dot segments that normalise to //'],
    ['javascript:alert(1)', 'a script URL'],
    ['grades', 'a relative path without /'],
    ['', 'nothing'],
  ])('refuses %j (%s): goes to /', (next) => {
    expect(safeNextPath(next, ORIGIN)).toBe('/');
  });

  it('refuses a missing next', () => {
    expect(safeNextPath(null, ORIGIN)).toBe('/');
    expect(safeNextPath(undefined, ORIGIN)).toBe('/');
  });

  it.each([
    ['/grades?x=1', '/grades?x=1'],
    ['/troubleshooting?q=abc#event-3', '/troubleshooting?q=abc#event-3'],
    ['/settings/lti', '/settings/lti'],
    ['/scenarios/../grades', '/grades'],
  ])('follows %j on this origin as %j', (next, path) => {
    expect(safeNextPath(next, ORIGIN)).toBe(path);
  });

  it('answers a path, never an origin, even when the request origin was spoofed', () => {
    expect(safeNextPath('/grades', 'http://evil.example')).toBe('/grades');
  });
});
