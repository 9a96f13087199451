// The correlation ID a learner hands to their administrator, with a Copy button: on every
// page that ends a launch short (the error page, "Open in a new window").
import { html } from 'hono/html';
import type { Html } from './layout.js';

export function correlationIdField(correlationId: string, label: string): Html {
  return html`<label for="cid" class="muted">${label}</label>
    <div class="copy">
      <input id="cid" readonly value="${correlationId}" aria-label="Correlation ID" />
      <button type="button" id="copy">Copy</button>
    </div>`;
}

/** The Copy button's script (the page's nonce covers it). */
export const COPY_CORRELATION_ID_SCRIPT = `document.getElementById('copy').addEventListener('click',function(){var i=document.getElementById('cid');i.select();(navigator.clipboard?navigator.clipboard.writeText(i.value):Promise.reject()).then(function(){document.getElementById('copy').textContent='Copied'},function(){document.execCommand('copy');document.getElementById('copy').textContent='Copied'})});`;
