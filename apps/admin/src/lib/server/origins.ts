// The addresses the dashboard answers forms from. SvelteKit's own CSRF check knows one origin
// (ORIGIN) and answers anything else with a bare "Cross-site POST form submissions are
// forbidden"; a new user who opens http://127.0.0.1:3000 instead of http://localhost:3000
// met exactly that. Outside production the loopback spellings of ORIGIN's host are the same
// machine, so they are accepted too; in production only ORIGIN is, and a refused form gets a
// page that says which address to use and which setting names it.

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** ORIGIN, and outside production its loopback aliases (same scheme and port). */
export function allowedOrigins(origin: string, production: boolean): string[] {
  const own = new URL(origin);
  if (production || !LOOPBACK_HOSTS.includes(own.hostname)) return [own.origin];
  const port = own.port ? `:${own.port}` : '';
  return [own.origin, ...LOOPBACK_HOSTS.map((h) => `${own.protocol}//${h}${port}`).filter((o) => o !== own.origin)];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** What a cross-site page can send without a CORS preflight: the requests CSRF is about. */
const SIMPLE_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * A state-changing request from a browser page on another origin, or a simple (form) request
 * with no Origin at all: refused. JSON requests without an Origin (scripts, the CLI) pass —
 * a browser cannot send those cross-site without a preflight this app never grants.
 */
export function crossSiteRefusal(request: Request, pathname: string, allowed: readonly string[]): Response | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const sent = request.headers.get('origin');
  const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (sent === null ? !SIMPLE_TYPES.includes(type) : allowed.includes(sent)) return null;
  const own = allowed[0]!;
  const message =
    sent === null
      ? 'This form arrived without the Origin header browsers send, so the dashboard cannot tell it came from its own page.'
      : `This form was sent from ${sent}, but the dashboard's address is ${own}.`;
  const fix = `Open the dashboard at ${own} and send the form again. If ${sent ?? 'another address'} is the address people should use, set ORIGIN to it (ADMIN_ORIGIN with \`pnpm start\`) and restart the dashboard.`;
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-tether-error': 'cross_site_form' };
  if (pathname.startsWith('/api/')) return Response.json({ error: { code: 'cross_site_form', message, fix } }, { status: 403, headers });
  return new Response(refusalPage(message, fix, own), { status: 403, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function refusalPage(message: string, fix: string, own: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Form refused — Tether</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}main{max-width:36rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002}h1{font-size:1.3rem;margin-top:0}a{color:#2856d6}code{background:#eef1f6;padding:0 .25em;border-radius:4px}</style></head>
<body><main><h1>This form was refused</h1><p>${escapeHtml(message)}</p><p>${escapeHtml(fix)}</p><p><a href="${escapeHtml(own)}/">Go to ${escapeHtml(own)}</a></p><p><small>Code: <code>cross_site_form</code></small></p></main></body></html>`;
}
