/** The human UI: the home page, its launches (quick, deep linking, activities), registration start, the return page. */
import type { Hono } from 'hono';
import { activityLaunchSpec } from '../activities.js';
import { personFor } from '../defaults.js';
import { autoPostForm, escapeHtml, page } from '../html.js';
import { html } from '../http.js';
import { loginInitiation } from '../login.js';
import { homePage, REGISTRATION_URL_HINT, REGISTRATION_URL_PLACEHOLDER } from '../pages/home.js';
import { startRegistration } from '../platform.js';
import type { SimContext } from '../state.js';
import type { LaunchAs, LaunchSpec } from '../types.js';

const BACK = '<p><a href="/">Back to the course</a></p>';

class CannotLaunch extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

/** The quick launch's link: one per scenario, so each scenario's grades land in a line item of their own. */
function quickLink(scenarioId: string): { id: string; title: string } | undefined {
  return scenarioId ? { id: `quick-${scenarioId.slice(0, 100)}`, title: `Quick launch: ${scenarioId.slice(0, 100)}` } : undefined;
}

/** What `GET /launch` launches: an activity (`activity`), a deep-linking request (`type=deep_linking`), or a quick launch (`scenario_id`). */
function launchSpecOf(sim: SimContext, q: URLSearchParams): LaunchSpec {
  const as: LaunchAs = q.get('as') === 'instructor' ? 'instructor' : 'learner';
  const activityId = q.get('activity');
  if (activityId !== null) {
    const activity = sim.state.activities.get(activityId);
    if (!activity) throw new CannotLaunch(`There is no activity "${activityId}" (activities live in memory: a restarted sim forgets them).`, 404);
    return activityLaunchSpec(sim, activity, as);
  }
  const clientId = q.get('client_id') || undefined;
  if (q.get('type') === 'deep_linking') {
    return { ...personFor(as), clientId, messageType: 'LtiDeepLinkingRequest', deepLinking: { accept_lineitem: true } };
  }
  // A pasted slug often carries a stray space; the tool would not find " fire-drill".
  const scenarioId = (q.get('scenario_id') ?? '').trim();
  const resourceLink = quickLink(scenarioId);
  return { ...personFor(as), clientId, ...(scenarioId ? { custom: { scenario_id: scenarioId } } : {}), ...(resourceLink ? { resourceLink } : {}) };
}

function cannotLaunchPage(sim: SimContext, message: string): string {
  const hint = sim.state.tools.size ? '' : '<p>Register a tool first: paste its registration URL under “Dynamic registration” on the home page.</p>';
  return page('Cannot launch', `<p>${escapeHtml(message)}</p>${hint}${BACK}`);
}

export function installUiRoutes(app: Hono, sim: SimContext): void {
  app.get('/', () => html(200, homePage(sim)));

  // The buttons of the home page are GET forms, so a launch is also a plain link:
  // /launch?client_id=…&as=learner&scenario_id=…, /launch?activity=…&as=instructor, /launch?as=instructor&type=deep_linking
  app.get('/launch', (c) => {
    try {
      const init = loginInitiation(sim, launchSpecOf(sim, new URL(c.req.url).searchParams));
      return html(200, autoPostForm(init.loginUrl, init.params, 'Opening the tool…'));
    } catch (err) {
      return html(err instanceof CannotLaunch ? err.status : 400, cannotLaunchPage(sim, (err as Error).message));
    }
  });

  app.get('/start-registration', (c) => {
    const target = (new URL(c.req.url).searchParams.get('url') ?? '').trim();
    if (!URL.canParse(target) || !/^https?:$/.test(new URL(target).protocol)) {
      const example = `<p>Give the tool’s registration URL, like <code>${escapeHtml(REGISTRATION_URL_PLACEHOLDER)}</code> — ${escapeHtml(REGISTRATION_URL_HINT)}.</p>`;
      return html(400, page('Bad URL', `${target ? `<p><code>${escapeHtml(target)}</code> is not an http(s) URL.</p>` : ''}${example}${BACK}`));
    }
    return c.redirect(startRegistration(sim, { toolRegistrationUrl: target }), 302);
  });

  app.get('/return', (c) => {
    const q = new URL(c.req.url).searchParams;
    const msg = q.get('lti_msg') ?? q.get('lti_errormsg') ?? '';
    return html(200, page('Back in the LMS', `<p>The tool sent you back.</p><p>${escapeHtml(msg)}</p>${BACK}`));
  });
}
