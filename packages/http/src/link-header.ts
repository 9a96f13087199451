// RFC 8288 `Link` headers (paging in AGS and NRPS) read with `http-link-header`, reduced to
// what callers need: each relation type's target, resolved against the URL that answered.
import LinkHeader from 'http-link-header';

export interface LinkTarget {
  /** The target exactly as written between `<` and `>`. */
  target: string;
  /** The target resolved against the response URL; null when it is not a valid URL reference. */
  href: string | null;
}

/** Relation type (lower-cased) → its first link: `links.next?.href`, `links.differences?.href`. */
export type LinkRels = Readonly<Partial<Record<string, LinkTarget>>>;

/**
 * Parses a `Link` header (several links, or several headers joined with ", "). Per relation
 * type the first link wins; a link may carry several rels (`rel="next last"`). A malformed
 * link-value is skipped without losing the others; a target that does not resolve is kept
 * with `href: null`, so that a broken `next` link is never mistaken for "no next page".
 */
export function parseLinkHeader(header: string | null | undefined, baseUrl: string | URL): LinkRels {
  const out: Record<string, LinkTarget> = Object.create(null) as Record<string, LinkTarget>;
  if (!header) return out;
  for (const value of splitLinkValues(header)) {
    let refs: LinkHeader.Reference[];
    try {
      refs = LinkHeader.parse(value).refs;
    } catch {
      continue; // junk between links
    }
    for (const ref of refs) {
      const rels = (typeof ref.rel === 'string' ? ref.rel : '').toLowerCase().split(/\s+/).filter(Boolean);
      for (const rel of rels) {
        if (rel in out) continue;
        out[rel] = { target: ref.uri, href: resolve(ref.uri, baseUrl) };
      }
    }
  }
  return out;
}

function resolve(target: string, baseUrl: string | URL): string | null {
  try {
    return new URL(target, baseUrl).href;
  } catch {
    return null;
  }
}

/**
 * The header's link-values, split at commas outside `<…>` and quoted strings. The library
 * parses one well-formed value reliably but loses links after junk or after a space before
 * a comma, which platforms do send.
 */
function splitLinkValues(header: string): string[] {
  const values: string[] = [];
  let start = 0;
  let quoted = false;
  let bracketed = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (bracketed) {
      if (c === '>') bracketed = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') bracketed = true;
    else if (c === ',') {
      values.push(header.slice(start, i));
      start = i + 1;
    }
  }
  values.push(header.slice(start));
  return values.map((v) => v.trim()).filter((v) => v !== '');
}
