import { html } from 'hono/html';
import { ERROR_CATALOG, type LtiErrorCode } from '@tether/lti';
import { layout, type Html } from './layout.js';

export function errorPage(opts: { code: LtiErrorCode; correlationId: string; nonce: string; note?: string | undefined }): Html {
  const e = ERROR_CATALOG[opts.code];
  const body = html`<div class="card error" role="alert">
    <span class="badge">Launch failed · ${opts.code}</span>
    <h1>We couldn't launch this activity</h1>
    <p>${e.learner}</p>
    <label for="cid" class="muted">Correlation ID — give it to your administrator</label>
    <div class="copy">
      <input id="cid" readonly value="${opts.correlationId}" aria-label="Correlation ID" />
      <button type="button" id="copy">Copy</button>
    </div>
    <details>
      <summary>For administrators</summary>
      <p><strong>What happened:</strong> ${e.admin}</p>
      ${opts.note ? html`<p><strong>Detail:</strong> ${opts.note}</p>` : ''}
      <p><strong>How to fix it:</strong> ${e.fix}</p>
      <p class="muted">Open Troubleshooting in the Tether dashboard and search for this correlation ID to see every step of this launch.</p>
    </details>
  </div>`;
  const script = `document.getElementById('copy').addEventListener('click',function(){var i=document.getElementById('cid');i.select();(navigator.clipboard?navigator.clipboard.writeText(i.value):Promise.reject()).then(function(){document.getElementById('copy').textContent='Copied'},function(){document.execCommand('copy');document.getElementById('copy').textContent='Copied'})});`;
  return layout({ title: "We couldn't launch this activity", nonce: opts.nonce, body, script });
}
