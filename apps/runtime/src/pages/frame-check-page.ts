// The login's answer in an LMS frame without platform storage: before the platform round
// trip, the browser checks that this frame keeps the state cookie the login just set. If it
// does, the page goes on to the platform as a redirect would; if it cannot (third-party
// cookies blocked, partitioned ones too), the same page becomes "Open in a new window": its
// button starts the login again — fresh, at the top level of a new window — from the same
// login-initiation parameters.
import { html } from 'hono/html';
import { COPY_CORRELATION_ID_SCRIPT, correlationIdField } from './correlation-id-field.js';
import { type Html, jsonForScript, layout } from './layout.js';

interface FrameCheckPageInput {
  nonce: string;
  /** The platform's authentication request (this login's state and nonce): where a frame that keeps the cookie goes. */
  authUrl: string;
  state: string;
  /** Where the check posts (the login URL: it answers the check without reading the database when the cookie came back). */
  checkUrl: string;
  /** The login URL the new window posts the restart to. */
  loginUrl: string;
  /** The login-initiation parameters the restart sends again (no state, no nonce), plus the restart markers. */
  restartFields: Record<string, string>;
  /** Set when this login is itself a restart (the page never asks for storage access twice). */
  restart: string | undefined;
  correlationId: string;
}

const NEW_WINDOW_TITLE = 'Open in a new window';

export function frameCheckPage(opts: FrameCheckPageInput): Html {
  const cfg = { authUrl: opts.authUrl, state: opts.state, checkUrl: opts.checkUrl, restart: opts.restart ?? null };
  const script = `var cfg=${jsonForScript(cfg)};
function go(){window.location.replace(cfg.authUrl)}
function $(id){return document.getElementById(id)}
function show(){$('checking').hidden=true;$('new-window').hidden=false;document.title=${jsonForScript(NEW_WINDOW_TITLE)};$('open').focus()}
// Storage access was just granted: one fresh login in this frame, whose cookie may now be kept.
function again(){var f=$('restart');f.target='_self';f.elements.tether_restart.value='storage-access';f.submit()}
// Storage access, where the browser has the API: never a prompt here (no click yet), so
// requestStorageAccess only succeeds where the learner allowed it before.
function access(){if(!document.hasStorageAccess)return Promise.resolve('none');
 return document.hasStorageAccess().then(function(has){if(has)return 'had';
  if(!document.requestStorageAccess||cfg.restart==='storage-access')return 'denied';
  return document.requestStorageAccess().then(function(){return 'granted'},function(){return 'denied'})},function(){return 'error'})}
// The check: does this frame send back the state cookie the login set? Same-origin, so the
// browser applies exactly the cookie rules the launch will meet.
function check(sa){var b=new URLSearchParams();b.set('tether_probe',cfg.state);b.set('storage_access',sa);b.set('cookie_enabled',navigator.cookieEnabled?'1':'0');if(cfg.restart)b.set('tether_restart',cfg.restart);
 return fetch(cfg.checkUrl,{method:'POST',body:b,credentials:'same-origin',cache:'no-store'}).then(function(r){return r.ok?r.json():{next:'continue'}})}
$('restart').addEventListener('submit',function(){$('opened').hidden=false});
${COPY_CORRELATION_ID_SCRIPT}
// At the top level the cookie is first-party: nothing to check. A failed check goes on as before.
if(window.top===window){go()}else{access().then(check).then(function(r){if(r.next==='new-window')show();else if(r.next==='storage-access')again();else go()},go)}
`;
  const fields = Object.entries(opts.restartFields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);
  const body = html`<div class="card" id="checking"><div class="spinner" aria-hidden="true"></div><p>Opening your activity…</p>
      <noscript><p><a href="${opts.authUrl}">Continue</a></p></noscript></div>
    <div class="card" id="new-window" hidden>
      <span class="badge">Launch · new window</span>
      <h1>${NEW_WINDOW_TITLE}</h1>
      <p>Your browser does not let this activity keep you signed in while it is shown inside your course page. Open it in a new window to continue: you stay signed in to your course, and you can come back to this page when you are done.</p>
      <form id="restart" method="post" action="${opts.loginUrl}" target="_blank" rel="noopener noreferrer" style="margin:4px 0 16px">
        ${fields}
        <button type="submit" id="open">${NEW_WINDOW_TITLE}</button>
      </form>
      <p class="muted" id="opened" role="status" hidden>The activity opened in a new window. If you do not see it, allow pop-ups for this site and press the button again.</p>
      ${correlationIdField(opts.correlationId, 'Correlation ID — give it to your administrator if the activity does not open')}
      <details>
        <summary>For administrators</summary>
        <p><strong>What happened:</strong> the browser keeps no cookie for this tool inside the LMS frame (third-party cookies are blocked, partitioned ones too, as Safari does) and the LMS offers no LTI platform storage, so the sign-in cannot complete in the frame. The button starts it again, with a new state, at the top level of a new window.</p>
        <p><strong>How to fix it:</strong> set the placement to open in a new window, or use an LMS that offers LTI platform storage (Canvas does); Tether uses it automatically.</p>
        <p class="muted">Open Troubleshooting in the Tether dashboard and search for this correlation ID to see every step.</p>
      </details>
    </div>`;
  return layout({ title: 'Opening your activity…', nonce: opts.nonce, body, script });
}
