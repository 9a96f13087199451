/** The pages after a deep-linking return: what was added (or why nothing was), and the way back. */
import { customText } from '../activities.js';
import { escapeHtml, page } from '../html.js';
import { findLineItem } from '../line-items.js';
import type { SimContext } from '../state.js';
import type { Activity } from '../types.js';
import { isRecord } from '../util.js';

const e = escapeHtml;
const BACK = '<p><a href="/">Back to the course</a></p>';

function placedHtml(sim: SimContext, a: Activity): string {
  const parts = [`resource link <code>${e(a.id)}</code>`];
  if (Object.keys(a.custom).length) parts.push(`custom <code>${e(customText(a.custom))}</code>`);
  const li = a.lineItemUrl ? findLineItem(sim, a.lineItemUrl) : undefined;
  parts.push(li ? `graded: line item “${e(li.item.label)}” out of ${e(li.item.scoreMaximum)}` : 'not graded');
  return `<li><strong>${e(a.title)}</strong> — ${parts.join(' · ')}</li>`;
}

function skippedHtml(item: unknown): string {
  const type = isRecord(item) ? String(item.type) : 'unknown';
  const title = isRecord(item) && typeof item.title === 'string' ? item.title : '(untitled)';
  return `<li>${e(title)} <span class="hint">(type ${e(type)}: not placed — the sim places LTI resource links only)</span></li>`;
}

export function contentAddedPage(
  sim: SimContext,
  opts: { contextId: string; items: unknown[]; placed: Array<Activity | null>; msg?: string | undefined; errorMsg?: string | undefined },
): string {
  const course = sim.state.contexts.get(opts.contextId)?.title ?? opts.contextId;
  const notes = [opts.msg, opts.errorMsg].filter((m): m is string => typeof m === 'string' && m !== '').map((m) => `<p>The tool says: ${e(m)}</p>`);
  const list = opts.items.length
    ? `<p>Added to <strong>${e(course)}</strong>:</p>
<ul data-testid="content-added">${opts.items
        .map((item, i) => {
          const placed = opts.placed[i];
          return placed ? placedHtml(sim, placed) : skippedHtml(item);
        })
        .join('')}</ul>`
    : '<p>The tool added nothing.</p>';
  const raw = `<details><summary>Content items as received</summary><pre>${e(JSON.stringify(opts.items, null, 2))}</pre></details>`;
  return page('Content added', `${notes.join('')}${list}${BACK}${raw}`);
}

export function deepLinkFailedPage(errors: string[]): string {
  return page('Deep linking failed', `<ul>${errors.map((err) => `<li>${e(err)}</li>`).join('')}</ul>${BACK}`);
}
