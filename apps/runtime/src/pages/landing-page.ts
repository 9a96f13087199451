import { html } from 'hono/html';
import { type Html, jsonForScript, layout } from './layout.js';

export function landingPage(opts: {
  nonce: string;
  scenario: { title: string; description: string; slug: string };
  learnerName: string;
  contextTitle: string | null;
  instructor: boolean;
  /** Shown on the code exchange: replace the address (which held the used code) with this clean one. */
  cleanUrl?: string | undefined;
}): Html {
  const body = html`<div class="card">
    <span class="badge">${opts.contextTitle ?? 'Scenario'}</span>
    <h1>${opts.scenario.title}</h1>
    <p>Welcome, <strong>${opts.learnerName}</strong>.</p>
    ${opts.scenario.description ? html`<p>${opts.scenario.description}</p>` : ''}
    <p><button type="button" id="start">Start scenario</button></p>
    ${opts.instructor ? html`<p class="muted">You are viewing this scenario as an instructor. Its LTI custom parameter is <code>scenario_id=${opts.scenario.slug}</code>.</p>` : ''}
  </div>`;
  // The used code is worthless, but it should not sit in history or be re-requested on reload.
  const script = opts.cleanUrl ? `history.replaceState(null,'',${jsonForScript(opts.cleanUrl)});` : undefined;
  return layout({ title: opts.scenario.title, nonce: opts.nonce, body, ...(script ? { script } : {}) });
}
