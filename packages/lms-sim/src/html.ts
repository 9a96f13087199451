/** HTML helpers: escaping, auto-submitting forms and parsing them back. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}

function unescapeHtml(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, ent: string) => {
    const e = ent.toLowerCase();
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    return String.fromCodePoint(parseInt(e.slice(1), 10));
  });
}

/** A page whose form posts itself on load (what an LMS returns from its auth endpoint). */
export function autoPostForm(action: string, fields: Record<string, string>, title = 'Redirecting…'): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `    <input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
  <form id="lms-sim-autopost" method="post" action="${escapeHtml(action)}">
${inputs}
    <noscript><button type="submit">Continue</button></noscript>
  </form>
  <script>document.getElementById('lms-sim-autopost').submit();</script>
</body>
</html>
`;
}

function attr(tag: string, name: string): string | undefined {
  const re = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i');
  const m = re.exec(tag);
  if (!m) return undefined;
  return unescapeHtml(m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * Parse the first `<form>` of an auto-post page: its action, method and named inputs.
 * Works on the sim's own pages and on simple tool pages (e.g. a deep-linking response form).
 */
export function parseAutoPostForm(html: string): { action: string; method: string; fields: Record<string, string> } {
  const formStart = /<form\b[^>]*>/i.exec(html);
  if (!formStart) throw new Error('parseAutoPostForm: no <form> in the page');
  const rest = html.slice(formStart.index + formStart[0].length);
  const endIdx = rest.search(/<\/form\s*>/i);
  const body = endIdx >= 0 ? rest.slice(0, endIdx) : rest;
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    if (name === undefined) continue;
    fields[name] = attr(m[0], 'value') ?? '';
  }
  for (const m of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi)) {
    const name = attr(`<textarea ${m[1] ?? ''}>`, 'name');
    if (name !== undefined) fields[name] = unescapeHtml(m[2] ?? '');
  }
  return {
    action: attr(formStart[0], 'action') ?? '',
    method: (attr(formStart[0], 'method') ?? 'get').toLowerCase(),
    fields,
  };
}

export function page(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}td,th{text-align:left;padding:.2rem .6rem;vertical-align:top}table{border-collapse:collapse}.hint{color:#555;font-size:.9em}section.tool{border:1px solid #ddd;border-radius:.4rem;padding:.2rem 1rem 1rem;margin:1rem 0}form{margin:.5rem 0}td form{margin:0}ul.scores{margin:0;padding-left:1rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</body>
</html>
`;
}
