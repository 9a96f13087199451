// The player's pages: plain HTML with a little inline CSS, made to sit in an LMS iframe.

const CSS = `
  :root { color-scheme: light; --ink: #1d2433; --muted: #5b6478; --line: #e2e6ef; --accent: #2f5bea; --ok: #0f7b4a; --bad: #b42318; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7fb; }
  main { max-width: 44rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 1.5rem; margin-bottom: 1rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; line-height: 1.25; }
  h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
  p { margin: .5rem 0; }
  .muted { color: var(--muted); font-size: .9rem; }
  .tag { display: inline-block; font-size: .75rem; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--accent); margin-bottom: .5rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 1rem 0 0; }
  dt { color: var(--muted); }
  dd { margin: 0; overflow-wrap: anywhere; }
  code { font: .85em ui-monospace, SFMono-Regular, Menlo, monospace; background: #eef1f7; padding: .1em .35em; border-radius: 4px; overflow-wrap: anywhere; }
  form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .75rem; margin-top: .5rem; }
  label { display: flex; flex-direction: column; gap: .25rem; font-weight: 600; font-size: .9rem; }
  input[type=number] { width: 9rem; font: inherit; padding: .5rem .6rem; border: 1px solid #c5ccda; border-radius: 8px; }
  button { font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 8px; padding: .55rem 1.1rem; cursor: pointer; }
  button:hover { filter: brightness(.92); }
  .notice { border-left: 4px solid var(--accent); background: #eef3ff; padding: .75rem 1rem; border-radius: 6px; }
  .ok { border-left-color: var(--ok); background: #e8f6ef; }
  .bad { border-left-color: var(--bad); background: #fdecea; }
  ul { margin: .5rem 0; padding-left: 1.25rem; }
`;

/** Escapes text for HTML content and attribute values. */
function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Tagged template: interpolated values are escaped unless they are already-built HTML. */
function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += toHtml(value) + strings[i + 1];
  });
  return new Html(out);
}

class Html {
  constructor(text) {
    this.text = text;
  }
}

function toHtml(value) {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Scenario player</title>
<style>${CSS}</style>
</head>
<body><main>${toHtml(body)}</main></body>
</html>
`;
}

/** `GET /`: what this is and how it is configured. */
export function homePage(config) {
  return layout(
    'Example scenario player',
    html`<div class="card">
      <span class="tag">Tether example host</span>
      <h1>Example scenario player</h1>
      <p>This small server plays the part of a host product. After a learner launches an activity from their
      course, Tether's runtime posts a signed hand-off token (form field <code>tether_launch</code>) here. The
      player verifies it with <code>@tether/crypto</code>, shows who is playing what, and can send a score back
      through Tether's Grades API.</p>
      <p class="muted">Nothing to do on this page: open an activity from your course (or the LMS simulator) with
      <code>SCENARIO_PLAYER_URL=${config.playerUrl}</code> set on the runtime.</p>
      <dl>
        <dt>Tether runtime (issuer)</dt><dd><code>${config.runtimeUrl}</code></dd>
        <dt>Keys from</dt><dd><code>${config.runtimeUrl}/.well-known/jwks.json</code></dd>
        <dt>Expected audience</dt><dd><code>${config.playerUrl}</code></dd>
        <dt>Grades API key</dt><dd>${config.apiKey ? 'set' : html`not set — scores cannot be sent (set <code>TETHER_API_KEY</code>)`}</dd>
      </dl>
    </div>`,
  );
}

const shortRole = (uri) => uri.slice(Math.max(uri.lastIndexOf('#'), uri.lastIndexOf('/')) + 1) || uri;

/** After a verified hand-off: who plays what, and the score form when the launch can take a grade. */
export function playingPage(play, { error } = {}) {
  const h = play.handoff;
  const learner = h.learner.name ?? h.learner.email ?? `learner ${h.learner.id}`;
  return layout(
    `Playing ${h.scenario.slug}`,
    html`<div class="card">
        <span class="tag">Scenario</span>
        <h1>Playing ${h.scenario.slug} as ${learner}</h1>
        ${h.course?.title ? html`<p class="muted">${h.course.title}</p>` : ''}
        <dl>
          <dt>Launch ID</dt><dd><code>${h.launch.id}</code></dd>
          <dt>Correlation ID</dt><dd><code>${h.launch.correlationId}</code></dd>
          <dt>Scenario</dt><dd>${h.scenario.slug} <span class="muted">(${h.scenario.id})</span></dd>
          <dt>Learner</dt><dd>${learner}${h.learner.email && h.learner.name ? html` <span class="muted">${h.learner.email}</span>` : ''} <span class="muted">(${h.learner.id})</span></dd>
          <dt>Roles</dt><dd>${h.roles.length > 0 ? h.roles.map(shortRole).join(', ') : '—'}</dd>
          <dt>Workspace</dt><dd><code>${h.workspace.id}</code></dd>
        </dl>
      </div>
      ${scoreCard(play, error)}`,
  );
}

function scoreCard(play, error) {
  if (!play.handoff.canSendGrade) {
    return html`<div class="card"><p class="notice">This activity has no grade column in the LMS, so there is no score to send.</p></div>`;
  }
  return html`<div class="card">
    <h2>Finish with a score</h2>
    ${error ? html`<p class="notice bad">${error}</p>` : ''}
    <form method="post" action="/score">
      <input type="hidden" name="play" value="${play.id}">
      <input type="hidden" name="attempt" value="${play.nextAttempt}">
      <label>Score (%)
        <input type="number" name="score" min="0" max="100" step="any" required inputmode="decimal">
      </label>
      <button type="submit">Send score</button>
    </form>
    <p class="muted">Sent to Tether's Grades API for launch <code>${play.handoff.launch.correlationId}</code>; Tether passes it to the LMS gradebook.</p>
  </div>`;
}

/** Tether's answer to a score. */
export function scoreResultPage(play, scorePercent, result) {
  const answer = result.ok
    ? html`<p class="notice ok"><strong>Score accepted.</strong> Tether answered ${result.status}: ${result.outcome}${result.reason ? html` — ${result.reason}` : ''}${result.duplicate ? ' (this attempt was already reported)' : ''}.</p>
        <dl>
          <dt>Score</dt><dd>${formatPercent(scorePercent)}</dd>
          <dt>Attempt ID</dt><dd><code>${result.attemptId}</code></dd>
          ${result.passbackId ? html`<dt>Passback ID</dt><dd><code>${result.passbackId}</code></dd>` : ''}
        </dl>`
    : html`<p class="notice bad"><strong>Tether did not take the score.</strong> <code>${result.code}</code>${result.status ? ` (HTTP ${result.status})` : ''}: ${result.message}</p>
        ${result.reason ? html`<p class="muted">Reason: <code>${result.reason}</code></p>` : ''}
        ${Object.keys(result.fields).length > 0 ? html`<ul>${Object.entries(result.fields).map(([field, why]) => html`<li><code>${field}</code>: ${why}</li>`)}</ul>` : ''}`;
  return layout(
    result.ok ? 'Score sent' : 'Score not sent',
    html`<div class="card">
        <span class="tag">Grades API</span>
        <h1>${result.ok ? 'Score sent' : 'Score not sent'}</h1>
        <p class="muted">${play.handoff.scenario.slug} · correlation ID <code>${play.handoff.launch.correlationId}</code></p>
        ${answer}
      </div>
      ${scoreCard(play)}`,
  );
}

/** A refusal: what happened, the code to quote, and what to do. */
export function errorPage({ title, code, message, hint }) {
  return layout(
    title,
    html`<div class="card">
      <span class="tag">Scenario player</span>
      <h1>${title}</h1>
      <p class="notice bad">${message}</p>
      ${code ? html`<p>Error code: <code>${code}</code></p>` : ''}
      ${hint ? html`<p class="muted">${hint}</p>` : ''}
    </div>`,
  );
}

function formatPercent(value) {
  return `${Number(value.toFixed(4))} %`;
}
