// Hop 5 — the learner's landing. No bearer token ever travels in a URL: the launch's
// completion statement leaves a random, single-use code (its SHA-256 only; 60 s) and the
// session's contents on the consumed login state, and the launch redirects to
// `/learn?code=<state>.<code>`. The landing redeems the code with one atomic update, signs the
// session, sets it as an HttpOnly, partitioned cookie (path /learn) and renders the page on
// that same response — so the first view works even where the browser keeps no cookie in an
// LMS frame (Safari) — then replaces the URL with a clean `/learn`. `GET /learn` reads the cookie.

import { isCryptoError } from '@tether/crypto';
import { appendEvents, redeemLandingCode } from '@tether/db';
import { explain } from '@tether/errors';
import type { Context } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import { z } from 'zod';
import type { RuntimeDeps } from '../deps.js';
import { handoffContextOf, prepareHandoff } from '../handoff.js';
import { errorPage } from '../pages/error-page.js';
import { landingPage } from '../pages/landing-page.js';
import { page } from '../respond.js';
import { hashCode, randomToken, SELF_FRAME_ANCESTORS } from '../security.js';

const LEARN_PATH = '/learn';
const LEARNER_SESSION_PURPOSE = 'learner-session';
const LEARNER_COOKIE = 'tether_learner';
/** The redirect from the launch is followed at once: a minute covers a slow network. */
const LEARNER_CODE_TTL_SEC = 60;

/** What the landing shows travels in the (signed) session; `frame` is who may frame it. */
const learnerSessionSchema = z.object({
  launch: z.string(),
  user: z.string(),
  workspace: z.string(),
  cid: z.string(),
  scenario: z.string(),
  name: z.string(),
  context: z.string(),
  // For the hand-off to the scenario player (defaults: sessions signed before these existed).
  course: z.string().default(''),
  email: z.string().default(''),
  roles: z.string().default(''),
  grade: z.enum(['0', '1']).default('0'),
  instructor: z.enum(['0', '1']),
  frame: z.string().default(SELF_FRAME_ANCESTORS),
});
type LearnerSession = z.input<typeof learnerSessionSchema>;

/** The login state, a dot, and 32 random bytes — base64url, as `randomToken()` mints both. */
const codeSchema = z.string().regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);

/** What the launch knows of the session before its completion statement adds the learner (`user`, `name`). */
export type LandingSession = Omit<LearnerSession, 'user' | 'name'>;

/**
 * The launch's half of the landing: a fresh code for the completion statement to leave on the
 * consumed login state (hash only) with the session's contents, and where the browser goes.
 */
export function prepareLearnerLanding(state: string, session: LandingSession): { landing: { codeHash: string; session: Record<string, string> }; location: string } {
  const code = randomToken(32);
  return { landing: { codeHash: hashCode(code), session: { ...session, frame: session.frame ?? SELF_FRAME_ANCESTORS } }, location: `${LEARN_PATH}?code=${state}.${code}` };
}

type Refusal = { code: 'state_expired' | 'state_unknown'; note: string };

export function learnHandler(deps: RuntimeDeps) {
  return async (c: Context): Promise<Response> => {
    const codeParam = c.req.query('code');
    let token: string | undefined;
    let verified: { data: Record<string, string>; expiresAt: Date };
    if (codeParam !== undefined) {
      // A used, expired or made-up code: refused alike (the update cannot tell them apart).
      const code = codeSchema.safeParse(codeParam);
      const [state, secret] = code.success ? code.data.split('.') : [];
      const data = state && secret ? await redeemLandingCode(deps.db, state, hashCode(secret), LEARNER_CODE_TTL_SEC) : undefined;
      if (!data) return refuse({ code: 'state_expired', note: 'the landing code is used, expired or unknown' });
      const signed = await deps.tokens.sign({ purpose: LEARNER_SESSION_PURPOSE, data, ttlSec: deps.config.LEARNER_SESSION_TTL_SEC });
      token = signed.token;
      verified = { data, expiresAt: signed.expiresAt };
    } else {
      token = getCookie(c, LEARNER_COOKIE);
      if (!token) return refuse({ code: 'state_expired', note: 'this browser holds no learner session (ended, or its cookies are blocked in this frame)' });
      try {
        verified = await deps.tokens.verify(token, { purpose: LEARNER_SESSION_PURPOSE });
      } catch (e) {
        if (!isCryptoError(e)) throw e;
        return refuse(
          e.code === 'one_time_token_expired' ? { code: 'state_expired', note: 'the learner session expired' } : { code: 'state_unknown', note: 'the learner session is invalid' },
        );
      }
    }
    const parsed = learnerSessionSchema.safeParse(verified.data);
    if (!parsed.success) return refuse({ code: 'state_unknown', note: 'the learner session is invalid' });
    const session = parsed.data;

    const frameAncestors = session.frame;
    const found = deps.scenarios.launchable(await deps.scenarios.byId(session.workspace, session.scenario));
    if (!found.ok) {
      const note = found.code === 'scenario_archived' ? 'the scenario was archived' : 'the scenario was removed';
      return page(explain(found.code)?.status ?? 404, session.cid, (nonce) => errorPage({ code: found.code, correlationId: session.cid, nonce, note }), { frameAncestors });
    }
    const { scenario } = found;
    // With a scenario player configured, every view hands a fresh launch context on (a reload
    // after the first one's 5 minutes still works).
    const handoff = await prepareHandoff(deps, handoffContextOf(session, scenario));
    if (handoff && codeParam !== undefined) {
      // The first view only (reloads would repeat it): the timeline shows where the learner went next.
      const mode = deps.config.SCENARIO_PLAYER_MODE;
      await appendEvents(deps.db, session.cid, session.workspace, [
        { step: 'handoff', outcome: 'ok', error_code: null, duration_ms: null, details: { player: new URL(handoff.action).origin, mode }, at: new Date() },
      ]);
    }
    const res = await page(
      200,
      session.cid,
      (nonce) =>
        landingPage({
          nonce,
          scenario: { title: scenario.title, description: scenario.description, slug: scenario.slug },
          learnerName: session.name || 'Learner',
          contextTitle: session.context || null,
          instructor: session.instructor === '1',
          launchId: session.launch,
          correlationId: session.cid,
          player: handoff && { ...handoff, auto: deps.config.SCENARIO_PLAYER_MODE === 'redirect' },
          cleanUrl: codeParam !== undefined ? LEARN_PATH : undefined,
        }),
      { frameAncestors },
    );
    if (codeParam !== undefined) {
      // Partitioned: kept per LMS site where third-party cookies are otherwise blocked; it
      // lives as long as the session itself.
      const maxAge = Math.max(0, Math.floor((verified.expiresAt.getTime() - Date.now()) / 1000));
      res.headers.append('set-cookie', generateCookie(LEARNER_COOKIE, token, { path: LEARN_PATH, httpOnly: true, secure: true, sameSite: 'None', partitioned: true, maxAge }));
    }
    return res;
  };
}

/** A refused landing writes nothing; no platform is known here, so only this tool may frame the page. */
async function refuse(r: Refusal): Promise<Response> {
  const res = await page(401, null, (nonce) => errorPage({ code: r.code, correlationId: 'none — open the activity again from your course', nonce, note: r.note }), {
    frameAncestors: SELF_FRAME_ANCESTORS,
  });
  res.headers.set('x-tether-error', r.code);
  return res;
}
