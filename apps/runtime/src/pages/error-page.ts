import { explainOrUnknown } from '@tether/errors';
import { html, raw } from 'hono/html';
import { COPY_CORRELATION_ID_SCRIPT, correlationIdField } from './correlation-id-field.js';
import { type Html, layout } from './layout.js';

/** The page every failure ends on: plain words, the correlation ID to copy, the admin's explanation and fix. */
function failurePage(opts: {
  nonce: string;
  badge: string;
  /** Our own fixed wording (rendered as is). */
  title: string;
  message: string;
  admin: string;
  fix: string;
  correlationId: string;
  note?: string | undefined;
}): Html {
  const body = html`<div class="card error" role="alert">
    <span class="badge">${opts.badge}</span>
    <h1>${raw(opts.title)}</h1>
    <p>${opts.message}</p>
    ${correlationIdField(opts.correlationId, 'Correlation ID — give it to your administrator')}
    <details>
      <summary>For administrators</summary>
      <p><strong>What happened:</strong> ${opts.admin}</p>
      ${opts.note ? html`<p><strong>Detail:</strong> ${opts.note}</p>` : ''}
      <p><strong>How to fix it:</strong> ${opts.fix}</p>
      <p class="muted">Open Troubleshooting in the Tether dashboard and search for this correlation ID to see every step.</p>
    </details>
  </div>`;
  return layout({ title: opts.title, nonce: opts.nonce, body, script: COPY_CORRELATION_ID_SCRIPT });
}

/** The failure page for a code: the launch's wording, or the picker's for deep-linking codes (an instructor adding content). */
export function errorPage(opts: { code: string; correlationId: string | null; nonce: string; note?: string | undefined }): Html {
  const e = explainOrUnknown(opts.code);
  const picker = opts.code.startsWith('deep_link_');
  return failurePage({
    nonce: opts.nonce,
    badge: `${picker ? 'Scenario picker' : 'Launch failed'} · ${opts.code}`,
    title: picker ? "We couldn't add a scenario" : "We couldn't launch this activity",
    message: e.learner,
    admin: e.admin,
    fix: e.fix,
    correlationId: opts.correlationId ?? `none — open the ${picker ? 'picker' : 'activity'} again from your course`,
    note: opts.note,
  });
}
