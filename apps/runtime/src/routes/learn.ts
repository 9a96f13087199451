// Hop 5 — the learner's landing: the session from the launch (in the URL, so it works
// inside an LMS iframe without third-party cookies) opens the scenario page.

import { isCryptoError } from '@tether/crypto';
import type { Context } from 'hono';
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
      return page(401, null, (nonce) =>
        errorPage({
          code: e.code === 'one_time_token_expired' ? 'state_expired' : 'state_unknown',
          correlationId: 'none — open the activity again from your course',
          nonce,
          note: 'the learner session is invalid or expired',
        }),
      );
    }
    const scenario = await deps.scenarios.byId(session.workspace ?? '', session.scenario ?? '');
    if (!scenario)
      return page(404, session.cid ?? null, (nonce) => errorPage({ code: 'scenario_not_found', correlationId: session.cid ?? '', nonce, note: 'the scenario was removed' }));
    return page(200, session.cid ?? null, (nonce) =>
      landingPage({
        nonce,
        scenario: { title: scenario.title, description: scenario.description, slug: scenario.slug },
        learnerName: session.name || 'Learner',
        contextTitle: session.context || null,
        instructor: session.instructor === '1',
      }),
    );
  };
}
