import { registrationClosePageScript } from '@tether/lti';
import { html } from 'hono/html';
import { type Html, layout } from './layout.js';

export function registrationSuccessPage(opts: { nonce: string; platformName: string; clientId: string; deploymentId: string | null; workspaceName: string }): Html {
  const body = html`<div class="card">
    <span class="badge">Connected</span>
    <h1>Tether is connected to ${opts.platformName}</h1>
    <p>The LMS registered Tether for the workspace <strong>${opts.workspaceName}</strong> (client ID <code>${opts.clientId}</code>).</p>
    ${
      opts.deploymentId
        ? html`<p>Deployment ID <code>${opts.deploymentId}</code> is recorded.</p>`
        : html`<p class="muted">The LMS did not send a deployment ID yet: it is recorded at the first launch and shown under Connected LMSes.</p>`
    }
    <p class="muted">You can close this window. In the LMS, enable the tool and add activities with the custom parameter <code>scenario_id=&lt;slug&gt;</code>.</p>
  </div>`;
  return layout({ title: 'Tether is connected', nonce: opts.nonce, body, script: registrationClosePageScript() });
}

export function registrationErrorPage(opts: {
  nonce: string;
  title: string;
  what: string;
  fix: string;
  correlationId: string;
  code: string;
  /** What the LMS answered. Only the status is shown: the body is never repeated on this page. */
  lms?: { status?: number | undefined; body?: string | undefined } | undefined;
  field?: string | undefined;
}): Html {
  const body = html`<div class="card error" role="alert">
    <span class="badge">Registration failed · ${opts.code}</span>
    <h1>${opts.title}</h1>
    <p>${opts.what}</p>
    ${opts.field ? html`<p><strong>Field:</strong> <code>${opts.field}</code></p>` : ''}
    ${
      // Whoever opened this page chose the URLs Tether fetched: what they answered stays out of it.
      opts.lms?.status ? html`<p><strong>The LMS answered HTTP ${opts.lms.status}.</strong></p>` : ''
    }
    <p><strong>How to fix it:</strong> ${opts.fix}</p>
    <label for="cid" class="muted">Correlation ID (search it under Troubleshooting in the dashboard)</label>
    <div class="copy"><input id="cid" readonly value="${opts.correlationId}" aria-label="Correlation ID" /></div>
  </div>`;
  return layout({ title: opts.title, nonce: opts.nonce, body });
}
