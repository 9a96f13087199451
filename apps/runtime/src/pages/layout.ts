import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
:root{color-scheme:light;--ink:#1d2430;--muted:#5b6575;--line:#dde2ea;--accent:#2f5bd3;--bad:#b42318;--ok:#127a45}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f7fb}
main{max-width:720px;margin:0 auto;padding:32px 20px}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:28px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h1{font-size:1.5rem;margin:0 0 12px}p{margin:0 0 14px}.muted{color:var(--muted);font-size:.92rem}
.badge{display:inline-block;font-size:.8rem;padding:2px 10px;border-radius:999px;background:#eef2ff;color:var(--accent);margin-bottom:12px}
.error .badge{background:#fef3f2;color:var(--bad)}
.copy{display:flex;gap:8px;margin:8px 0 16px}.copy input{flex:1;font:14px ui-monospace,Menlo,monospace;padding:8px 10px;border:1px solid var(--line);border-radius:8px;background:#f9fafb}
button{font:inherit;padding:8px 14px;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
details{margin-top:16px;border-top:1px solid var(--line);padding-top:12px}summary{cursor:pointer;color:var(--muted)}
code{font:13px ui-monospace,Menlo,monospace;background:#f2f4f7;padding:1px 5px;border-radius:4px}
.spinner{width:28px;height:28px;border:3px solid var(--line);border-top-color:var(--accent);border-radius:50%;animation:s 1s linear infinite;margin:8px 0 16px}@keyframes s{to{transform:rotate(360deg)}}
`;

export function layout(opts: { title: string; nonce: string; body: Html; script?: string }): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${opts.title}</title>
    <style>${raw(STYLE)}</style>
  </head>
  <body>
    <main>${opts.body}</main>
    ${opts.script ? html`<script nonce="${opts.nonce}">${raw(opts.script)}</script>` : ''}
  </body>
</html>`;
}

/** JSON for embedding in an inline script: no "</script>" or U+2028 breaks out. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
