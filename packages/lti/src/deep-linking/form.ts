// Delivering the response: the browser auto-POSTs the signed JWT to deep_link_return_url as
// the single form field `JWT`. Every interpolated value is HTML-escaped.

import { DeepLinkingError } from './errors.js';
import { isHttpUrl } from './url.js';

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface DeepLinkingFormOptions {
  /** CSP nonce for the auto-submit script (the page must be served with the same nonce). */
  nonce?: string;
  /** Visible text while the browser posts (and on the fallback button without JavaScript). */
  message?: string;
}

/** A complete HTML page that POSTs `JWT` to the platform's return URL as soon as it loads. */
export function deepLinkingFormHtml(returnUrl: string, jwt: string, opts: DeepLinkingFormOptions = {}): string {
  if (!isHttpUrl(returnUrl)) throw new DeepLinkingError('deep_link_settings_invalid', 'deep_link_return_url is not an http(s) URL', { details: { field: 'deep_link_return_url' } });
  const message = opts.message ?? 'Sending your choice to your course…';
  const nonceAttr = opts.nonce === undefined ? '' : ` nonce="${escapeHtml(opts.nonce)}"`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${escapeHtml(message)}</title>
  </head>
  <body>
    <form id="lti-deep-linking-response" method="post" action="${escapeHtml(returnUrl)}" enctype="application/x-www-form-urlencoded">
      <input type="hidden" name="JWT" value="${escapeHtml(jwt)}" />
      <p>${escapeHtml(message)}</p>
      <noscript><button type="submit">Continue</button></noscript>
    </form>
    <script${nonceAttr}>document.getElementById('lti-deep-linking-response').submit();</script>
  </body>
</html>`;
}
