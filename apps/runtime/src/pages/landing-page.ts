import { html } from 'hono/html';
import { type Html, jsonForScript, layout } from './layout.js';

/** The host's scenario player, when one is configured: where the signed launch context is posted. */
export interface PlayerHandoff {
  action: string;
  token: string;
  /** Post at once (`SCENARIO_PLAYER_MODE=redirect`) rather than on the learner's click. */
  auto: boolean;
}

export function landingPage(opts: {
  nonce: string;
  scenario: { title: string; description: string; slug: string };
  learnerName: string;
  contextTitle: string | null;
  instructor: boolean;
  launchId: string;
  correlationId: string;
  player?: PlayerHandoff | undefined;
  /** Shown on the code exchange: replace the address (which held the used code) with this clean one. */
  cleanUrl?: string | undefined;
}): Html {
  const { player } = opts;
  const start = player
    ? html`<form id="handoff" method="post" action="${player.action}">
        <input type="hidden" name="tether_launch" value="${player.token}" />
        ${player.auto ? html`<div class="spinner" role="status" aria-label="Opening the scenario"></div><p class="muted">Opening the scenario…</p>` : ''}
        <p><button type="submit">Start scenario</button></p>
      </form>`
    : html`<p class="muted">Your launch worked. The scenario opens here once the scenario player is connected to Tether.</p>
        ${opts.instructor ? html`<p class="muted">Administrators: set <code>SCENARIO_PLAYER_URL</code> on the runtime to hand learners to your scenario player.</p>` : ''}`;
  const body = html`<div class="card">
    <span class="badge">${opts.contextTitle ?? 'Scenario'}</span>
    <h1>${opts.scenario.title}</h1>
    <p>Welcome, <strong>${opts.learnerName}</strong>.</p>
    ${opts.scenario.description ? html`<p>${opts.scenario.description}</p>` : ''}
    ${start}
    ${opts.instructor ? html`<p class="muted">You are viewing this scenario as an instructor. Its LTI custom parameter is <code>scenario_id=${opts.scenario.slug}</code>.</p>` : ''}
    <details>
      <summary>Launch details (for support)</summary>
      <p class="muted">Launch ID <code data-testid="launch-id">${opts.launchId}</code></p>
      <p class="muted">Correlation ID <code data-testid="correlation-id">${opts.correlationId}</code></p>
    </details>
  </div>`;
  // The used code is worthless, but it should not sit in history or be re-requested on reload.
  const steps = [opts.cleanUrl ? `history.replaceState(null,'',${jsonForScript(opts.cleanUrl)});` : '', player?.auto ? `document.getElementById('handoff').submit();` : ''].join(
    '',
  );
  return layout({ title: opts.scenario.title, nonce: opts.nonce, body, ...(steps ? { script: steps } : {}) });
}
