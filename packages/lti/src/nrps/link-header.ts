// RFC 8288 `Link` header parsing, enough for paging: several links in one header (or several
// headers joined with ", "), quoted or bare parameter values, several space-separated rels,
// commas and semicolons inside quoted strings, relative targets.

export interface ParsedLink {
  /** The target exactly as written between `<` and `>`. */
  target: string;
  /** The target resolved against the request URL; null when it is not a valid URL reference. */
  href: string | null;
  /** Lower-cased relation types (`rel="next last"` → `['next', 'last']`). */
  rels: string[];
  /** Parameters by lower-cased name; the first occurrence wins (RFC 8288 §3.3 for `rel`). */
  params: Map<string, string>;
}

const WS = new Set([' ', '\t']);

/**
 * Parses a `Link` header into its links, in order. Malformed link-values are skipped; a link
 * whose target does not resolve is kept with `href: null` so that a caller never mistakes a
 * broken `next` link for "no next page".
 */
export function parseLinkHeader(header: string | null | undefined, baseUrl: string | URL): ParsedLink[] {
  if (!header) return [];
  const s = header;
  const n = s.length;
  let i = 0;
  const links: ParsedLink[] = [];

  const skipWs = (): void => {
    while (i < n && WS.has(s[i]!)) i++;
  };
  /** Moves past the next top-level comma (outside quotes and `<…>`), or to the end. */
  const skipToNextValue = (): void => {
    let quoted = false;
    let bracketed = false;
    for (; i < n; i++) {
      const c = s[i]!;
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (bracketed) {
        if (c === '>') bracketed = false;
      } else if (c === '"') quoted = true;
      else if (c === '<') bracketed = true;
      else if (c === ',') {
        i++;
        return;
      }
    }
  };

  while (i < n) {
    skipWs();
    if (i >= n) break;
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] !== '<') {
      skipToNextValue();
      continue;
    }
    const close = s.indexOf('>', i + 1);
    if (close < 0) break;
    const target = s.slice(i + 1, close).trim();
    i = close + 1;

    const params = new Map<string, string>();
    for (;;) {
      skipWs();
      if (s[i] !== ';') break;
      i++;
      skipWs();
      const nameStart = i;
      while (i < n && !WS.has(s[i]!) && s[i] !== '=' && s[i] !== ';' && s[i] !== ',') i++;
      const name = s.slice(nameStart, i).toLowerCase();
      skipWs();
      let value = '';
      if (s[i] === '=') {
        i++;
        skipWs();
        if (s[i] === '"') {
          i++;
          let out = '';
          while (i < n && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < n) i++;
            out += s[i];
            i++;
          }
          i++; // closing quote (or past the end of an unterminated string)
          value = out;
        } else {
          const valueStart = i;
          while (i < n && !WS.has(s[i]!) && s[i] !== ';' && s[i] !== ',') i++;
          value = s.slice(valueStart, i);
        }
      }
      if (name !== '' && !params.has(name)) params.set(name, value);
    }
    skipToNextValue();

    let href: string | null;
    try {
      href = new URL(target, baseUrl).href;
    } catch {
      href = null;
    }
    const rels = (params.get('rel') ?? '')
      .toLowerCase()
      .split(/[\s]+/)
      .filter((r) => r !== '');
    links.push({ target, href, rels, params });
  }
  return links;
}

/** Every link carrying `rel` (case-insensitive), in header order. */
export function linksWithRel(links: readonly ParsedLink[], rel: string): ParsedLink[] {
  const wanted = rel.toLowerCase();
  return links.filter((l) => l.rels.includes(wanted));
}
