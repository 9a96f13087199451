import { describe, expect, it } from 'vitest';
import { parseLinkHeader } from '../src/index.js';

const rels = (links: ReturnType<typeof parseLinkHeader>) => Object.fromEntries(Object.entries(links).map(([rel, l]) => [rel, l?.href]));

describe('parseLinkHeader', () => {
  it('reads several links, quoted and bare rels, several rels per link, commas and semicolons inside quotes', () => {
    const header =
      '<https://lms.example/a?page=1>; rel="current",<https://lms.example/a?page=2>; title="p, 2; next"; rel="next last", ' +
      '<https://lms.example/a?page=1>; REL=first, <https://lms.example/d?since=9>; rel=differences';
    expect(rels(parseLinkHeader(header, 'https://lms.example/a'))).toEqual({
      current: 'https://lms.example/a?page=1',
      next: 'https://lms.example/a?page=2',
      last: 'https://lms.example/a?page=2',
      first: 'https://lms.example/a?page=1',
      differences: 'https://lms.example/d?since=9',
    });
  });

  it('resolves relative targets against the response URL; keeps unresolvable ones as href: null', () => {
    const links = parseLinkHeader('</x/memberships?page=2>; rel="next", <?page=3>; rel="last", <http://[bad>; rel="prev"', 'https://lms.example/x/memberships?page=1');
    expect(links.next).toEqual({ target: '/x/memberships?page=2', href: 'https://lms.example/x/memberships?page=2' });
    expect(links.last?.href).toBe('https://lms.example/x/memberships?page=3');
    expect(links.prev).toEqual({ target: 'http://[bad', href: null });
  });

  it('first link per rel wins; a space before a comma and junk between links lose nothing', () => {
    const links = parseLinkHeader(
      '<https://lms.example/li?page=2>; rel="next", </li?page=9>; rel="last prev" , <https://lms.example/li?page=1>;rel=first, <https://lms.example/li?page=3>; rel=next',
      'https://lms.example/li?page=1',
    );
    expect(rels(links)).toEqual({
      next: 'https://lms.example/li?page=2',
      last: 'https://lms.example/li?page=9',
      prev: 'https://lms.example/li?page=9',
      first: 'https://lms.example/li?page=1',
    });
    expect(rels(parseLinkHeader('garbage, <https://a.example/1>; rel="next"; rel="prev" , ,<https://a.example/2>;rel=prev', 'https://a.example/'))).toEqual({
      next: 'https://a.example/1',
      prev: 'https://a.example/2',
    });
  });

  it('no header, no links', () => {
    expect(parseLinkHeader(null, 'https://a.example/')).toEqual({});
    expect(parseLinkHeader('', 'https://a.example/').next).toBeUndefined();
  });
});
