/**
 * The home page: what a newcomer needs for the first launch — register the tool, launch it into a
 * scenario, add content by deep linking, launch that content, and see the scores that came back.
 * Every input has a <label for>, so browser tests can fill them by label.
 */
import { customText, listActivities } from '../activities.js';
import { gradeRows } from '../gradebook.js';
import { escapeHtml, page } from '../html.js';
import { findLineItem } from '../line-items.js';
import { platformName } from '../platform.js';
import type { SimContext } from '../state.js';
import type { Activity, ToolRegistration } from '../types.js';

/** Tether's runtime serves the registration URL; the dashboard (port 3000) only hands it out. */
export const REGISTRATION_URL_PLACEHOLDER = 'http://localhost:3001/lti/register?token=…';
export const REGISTRATION_URL_HINT = 'copy it from the dashboard: LTI settings → Dynamic registration';

const e = escapeHtml;

function scoresHtml(sim: SimContext, lineItemIdOrUrl: string | undefined): string {
  if (!lineItemIdOrUrl) return '<span class="hint">not graded</span>';
  const rows = gradeRows(sim, lineItemIdOrUrl);
  if (!rows.length) return '<span class="hint">none yet</span>';
  return `<ul class="scores">${rows.map((r) => `<li>${e(r.who)}: <strong>${e(r.score)}</strong> <span class="hint">(${e(r.progress)})</span></li>`).join('')}</ul>`;
}

function lineItemCell(sim: SimContext, a: Activity): string {
  if (!a.lineItemUrl) return '<span class="hint">none</span>';
  const item = findLineItem(sim, a.lineItemUrl)?.item;
  return item ? `${e(item.label)} <span class="hint">(out of ${e(item.scoreMaximum)})</span>` : '<span class="hint">deleted by the tool</span>';
}

/** The two launch buttons; `name="as"` tells /launch who is launching. */
function launchButtons(): string {
  return '<button type="submit" name="as" value="learner">Launch as learner</button> <button type="submit" name="as" value="instructor">Launch as instructor</button>';
}

function activitiesHtml(sim: SimContext, tool: ToolRegistration): string {
  const list = listActivities(sim, tool.clientId);
  if (!list.length) return '<p class="hint">No activities yet: “Add content (deep linking)” opens the tool’s picker; what you pick comes back here.</p>';
  const rows = list
    .map(
      (a) => `<tr data-testid="activity" data-resource-link-id="${e(a.id)}">
<td><strong>${e(a.title)}</strong><br><span class="hint">resource link <code>${e(a.id)}</code></span></td>
<td>${Object.keys(a.custom).length ? `<code>${e(customText(a.custom))}</code>` : '<span class="hint">none</span>'}</td>
<td>${lineItemCell(sim, a)}</td>
<td>${scoresHtml(sim, a.lineItemUrl)}</td>
<td><form method="get" action="/launch"><input type="hidden" name="activity" value="${e(a.id)}">${launchButtons()}</form></td>
</tr>`,
    )
    .join('\n');
  return `<table data-testid="activities">
<thead><tr><th>activity</th><th>custom parameters</th><th>line item</th><th>scores received</th><th>launch</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function toolHtml(sim: SimContext, tool: ToolRegistration, n: number): string {
  const id = e(tool.clientId);
  return `<section class="tool" aria-labelledby="tool-${n}" data-client-id="${id}">
<h3 id="tool-${n}">${e(tool.name)}</h3>
<p class="hint">client_id <code>${id}</code> · deployment <code>${e(tool.deploymentIds.join(', '))}</code> · login <code>${e(tool.loginUrl)}</code></p>
<form method="get" action="/launch" data-testid="quick-launch">
  <input type="hidden" name="client_id" value="${id}">
  <label for="scenario-${n}">Scenario (custom scenario_id)</label>
  <input id="scenario-${n}" name="scenario_id" placeholder="fire-drill" autocomplete="off" aria-describedby="scenario-${n}-hint">
  ${launchButtons()}
  <div id="scenario-${n}-hint" class="hint">The scenario’s slug, as in the dashboard. Left empty, the launch carries no scenario_id.</div>
</form>
<form method="get" action="/launch" data-testid="deep-link-launch">
  <input type="hidden" name="client_id" value="${id}"><input type="hidden" name="as" value="instructor"><input type="hidden" name="type" value="deep_linking">
  <button type="submit">Add content (deep linking)</button> <span class="hint">as the instructor, like adding an activity to a course</span>
</form>
<h4>Activities</h4>
${activitiesHtml(sim, tool)}
</section>`;
}

/** Every line item of the sim (activities', the quick launches', the tools' own) with its scores. */
function gradebookHtml(sim: SimContext): string {
  const items = [...sim.state.lineItems.values()];
  if (!items.length) return '<p class="hint">No line items yet.</p>';
  const rows = items
    .map((r) => {
      const link = r.item.resourceLinkId ? (sim.state.activities.get(r.item.resourceLinkId)?.title ?? r.item.resourceLinkId) : '';
      return `<tr><td><code>${e(r.contextId)}</code></td><td>${e(r.item.label)}</td><td>${e(r.item.scoreMaximum)}</td><td>${e(link)}</td><td>${scoresHtml(sim, r.id)}</td></tr>`;
    })
    .join('\n');
  return `<table data-testid="gradebook">
<thead><tr><th>course</th><th>line item</th><th>out of</th><th>resource link</th><th>scores received</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

export function homePage(sim: SimContext): string {
  const tools = [...sim.state.tools.values()];
  const ep = sim.endpoints;
  const body = `<p>A stand-in LMS. Register the tool below, launch it into a scenario, or add content by deep linking and launch that. Scores the tool posts back show here — reload to see new ones.</p>
<h2>Registered tools</h2>
${tools.length ? tools.map((t, i) => toolHtml(sim, t, i + 1)).join('\n') : '<p>None yet: register one below.</p>'}
<h2>Gradebook</h2>
${gradebookHtml(sim)}
<h2>Dynamic registration</h2>
<form method="get" action="/start-registration" data-testid="registration">
  <label for="registration-url">Tool registration URL</label>
  <input id="registration-url" name="url" type="url" size="60" required placeholder="${e(REGISTRATION_URL_PLACEHOLDER)}" aria-describedby="registration-url-hint">
  <button type="submit">Register</button>
  <div id="registration-url-hint" class="hint">${e(REGISTRATION_URL_HINT)}</div>
</form>
<p class="hint">The tool’s page opens in this window. Once it says it is connected, come back to this page to launch it.</p>
<h2>Platform details</h2>
<p class="hint">For registering a tool by hand.</p>
<table>
<tr><th>issuer</th><td><code>${e(sim.issuer)}</code></td></tr>
<tr><th>client_id (default)</th><td><code>${e(sim.clientId)}</code></td></tr>
<tr><th>deployment_id (default)</th><td><code>${e(sim.deploymentId)}</code></td></tr>
<tr><th>auth</th><td><code>${e(ep.auth)}</code></td></tr>
<tr><th>token</th><td><code>${e(ep.token)}</code></td></tr>
<tr><th>jwks</th><td><code>${e(ep.jwks)}</code></td></tr>
<tr><th>openid configuration</th><td><code>${e(ep.openidConfiguration)}</code></td></tr>
</table>`;
  return page(`${platformName(sim)} — LTI 1.3 platform simulator`, body);
}
