// The scenario picker an instructor sees when the LMS opens Tether for Deep Linking: search,
// title, description, slug; one choice (radio) or several (checkboxes); "Add to course" or
// "Cancel". Rendered inside the LMS frame; the only script is nonced.
import { html, raw } from 'hono/html';
import { type Html, layout } from './layout.js';

export interface PickerScenario {
  id: string;
  slug: string;
  title: string;
  description: string;
}

const PICKER_RESPOND_PATH = '/lti/deep-link/respond';

const PICKER_STYLE = `
.search{width:100%;font:inherit;padding:8px 12px;border:1px solid var(--line);border-radius:8px;margin:4px 0 12px}
.scenarios{list-style:none;margin:0 0 16px;padding:0;border:1px solid var(--line);border-radius:10px;max-height:55vh;overflow:auto}
.scenarios li{border-bottom:1px solid var(--line)}.scenarios li:last-child{border-bottom:0}
.scenarios label{display:flex;gap:12px;align-items:flex-start;padding:12px 14px;cursor:pointer}
.scenarios label:hover{background:#f9fafb}.scenarios input{margin-top:5px}
.scenarios .title{font-weight:600}.scenarios .desc{display:block;color:var(--muted);font-size:.92rem}
.actions{display:flex;gap:8px}.secondary{background:#fff;color:var(--accent)}
.notice{background:#fef3f2;color:var(--bad);padding:8px 12px;border-radius:8px}
`;

// Client-side filter: every word typed must appear in the title, description or slug.
// Enter in the search box must not submit the form (that would add the current choice).
const PICKER_SCRIPT = `
var q=document.getElementById('q'),items=[].slice.call(document.querySelectorAll('#scenarios li')),none=document.getElementById('none');
function filter(){var words=q.value.toLowerCase().split(/\\s+/).filter(Boolean),shown=0;
 items.forEach(function(li){var hay=li.getAttribute('data-search')||'';var ok=words.every(function(w){return hay.indexOf(w)!==-1});li.hidden=!ok;if(ok)shown++});
 none.hidden=shown>0}
if(q){q.addEventListener('input',filter);q.addEventListener('keydown',function(e){if(e.key==='Enter')e.preventDefault()})}
`;

export function pickerPage(opts: {
  nonce: string;
  session: string;
  scenarios: PickerScenario[];
  multiple: boolean;
  contextTitle: string | null;
  notice?: string | undefined;
}): Html {
  const input = opts.multiple ? 'checkbox' : 'radio';
  const list = opts.scenarios.length
    ? html`<label for="q" class="muted">Search scenarios</label>
        <input type="search" id="q" class="search" placeholder="Search by title, description or slug" autocomplete="off" />
        <ul class="scenarios" id="scenarios">
          ${opts.scenarios.map(
            (s) => html`<li data-search="${`${s.title} ${s.description} ${s.slug}`.toLowerCase()}">
              <label>
                <input type="${input}" name="scenario" value="${s.id}" />
                <span><span class="title">${s.title}</span> <code>${s.slug}</code>${s.description ? html`<span class="desc">${s.description}</span>` : ''}</span>
              </label>
            </li>`,
          )}
        </ul>
        <p id="none" class="muted" hidden>No scenario matches your search.</p>`
    : html`<p class="muted">This workspace has no scenarios yet. Ask your Tether administrator to add one, then open the picker again.</p>`;
  const body = html`<style>${raw(PICKER_STYLE)}</style>
    <div class="card">
      <span class="badge">Add a scenario${opts.contextTitle ? html` · ${opts.contextTitle}` : ''}</span>
      <h1>Choose a scenario</h1>
      <p class="muted">${opts.multiple ? 'Choose one or more scenarios to add to your course.' : 'Choose the scenario to add to your course.'}</p>
      ${opts.notice ? html`<p class="notice" role="alert">${opts.notice}</p>` : ''}
      <form method="post" action="${PICKER_RESPOND_PATH}" id="picker">
        <input type="hidden" name="session" value="${opts.session}" />
        ${list}
        <div class="actions">
          ${opts.scenarios.length ? html`<button type="submit" name="action" value="add">Add to course</button>` : ''}
          <button type="submit" name="action" value="cancel" class="secondary">Cancel</button>
        </div>
      </form>
    </div>`;
  return layout({ title: 'Choose a scenario', nonce: opts.nonce, body, script: opts.scenarios.length ? PICKER_SCRIPT : undefined });
}
