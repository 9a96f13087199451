/**
 * Parses an RFC 8288 `Link` header into rel → absolute URL (first link wins per rel).
 * A link may carry several space-separated rels (`rel="next last"`); relative targets are
 * resolved against the URL of the response that carried them.
 */
export function parseLinkHeader(header: string | null, baseUrl: string): Map<string, string> {
  const out = new Map<string, string>();
  if (header === null) return out;
  const linkRe = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (const m of header.matchAll(linkRe)) {
    const target = m[1] ?? '';
    const params = m[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    let resolved: string;
    try {
      resolved = new URL(target, baseUrl).toString();
    } catch {
      continue;
    }
    for (const r of rels) if (!out.has(r)) out.set(r, resolved);
  }
  return out;
}
