// Hop 5 — the learner's landing: the session from the launch (in the URL, so it works
// inside an LMS iframe without third-party cookies) opens the scenario page.
import type { Context } from 'hono';
import { isCryptoError } from '@tether/crypto';
import { isInstructor } from '@tether/lti';
import type { RuntimeDeps } from '../deps.js';
import { errorPage } from '../pages/error-page.js';
import { landingPage } from '../pages/landing-page.js';
import { page } from '../respond.js';

export function learnHandler(deps: RuntimeDeps) {
  return async (c: Context): Promise<Response> => {
    let session: Record<string, string>;
    try {
      session = (await deps.tokens.verify(c.req.query('session') ?? '', { purpose: 'learner-session' })).data;
    } catch (e) {
      if (!isCryptoError(e)) throw e;
      return page(c, 401, null, (nonce) =>
        errorPage({ code: e.code === 'one_time_token_expired' ? 'state_expired' : 'state_unknown', correlationId: 'none — open the activity again from your course', nonce, note: 'the learner session is invalid or expired' }),
      );
    }
    const row = await deps.db
      .selectFrom('launches as l')
      .innerJoin('scenarios as s', 's.id', 'l.scenario_id')
      .leftJoin('lti_identities as i', (j) => j.onRef('i.user_id', '=', 'l.user_id').onRef('i.workspace_id', '=', 'l.workspace_id'))
      .leftJoin('users as u', 'u.id', 'l.user_id')
      .select(['s.title', 's.description', 's.slug', 'l.context_title', 'l.roles', 'u.name as user_name'])
      .where('l.id', '=', session.launch ?? '')
      .where('l.workspace_id', '=', session.workspace ?? '')
      .executeTakeFirst();
    if (!row) return page(c, 404, session.cid ?? null, (nonce) => errorPage({ code: 'scenario_not_found', correlationId: session.cid ?? '', nonce }));
    return page(c, 200, session.cid ?? null, (nonce) =>
      landingPage({ nonce, scenario: { title: row.title, description: row.description, slug: row.slug }, learnerName: row.user_name ?? 'Learner', contextTitle: row.context_title, instructor: isInstructor(row.roles) }),
    );
  };
}
