// The scenario player's HTTP handler: receives Tether's hand-off, shows the scenario, and sends
// the learner's score to Tether's Grades API.
//
//   GET  /                 what this is
//   POST / or /play        form field tether_launch → verified → "Playing <slug> as <name>"
//   POST /score            form fields play, attempt, score → Grades API → Tether's answer
//
// No cookies: inside an LMS iframe they are often blocked. The verified launch is kept here in
// memory under a random id, which the page carries in a hidden field.
import { randomBytes, randomUUID } from 'node:crypto';
import { createHandoffVerifier, isCryptoError } from '@tether/crypto';
import { sendScore } from './grades-api.mjs';
import { errorPage, homePage, playingPage, scoreResultPage } from './pages.mjs';

const MAX_FORM_BYTES = 64 * 1024;
/** How long a play stays open for its score after the hand-off. */
const PLAY_TTL_MS = 4 * 60 * 60 * 1000;
const MAX_PLAYS = 10_000;

/**
 * @param {import('./config.mjs').PlayerConfig & { fetch?: typeof fetch }} config
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
 */
export function createPlayer(config) {
  const runtime = new URL(config.runtimeUrl);
  const verifier = createHandoffVerifier({
    jwksUrl: `${config.runtimeUrl}/.well-known/jwks.json`,
    issuer: config.runtimeUrl,
    audience: config.playerUrl,
    // A Tether on plain http is a local one (development, the trial): let the JWKS fetch reach it.
    allowInsecureHosts: runtime.protocol === 'http:' ? [runtime.host] : [],
    userAgent: 'tether-example-scenario-player',
  });
  const plays = createPlays();

  async function launch(req, res) {
    const form = await readForm(req, res);
    if (!form) return;
    const token = form.get('tether_launch');
    if (!token) {
      return send(
        res,
        400,
        errorPage({
          title: 'Nothing to play',
          message: 'This address is where Tether sends learners after a launch; the request carried no tether_launch field.',
          hint: 'Open the activity from your course.',
        }),
      );
    }
    let handoff;
    try {
      handoff = await verifier.verify(token);
    } catch (err) {
      if (!isCryptoError(err)) throw err;
      return send(res, refusalStatus(err.code), errorPage({ title: 'This launch could not be accepted', code: err.code, message: err.message, hint: refusalHint(err.code) }));
    }
    send(res, 200, playingPage(plays.open(handoff)));
  }

  async function score(req, res) {
    const form = await readForm(req, res);
    if (!form) return;
    const play = plays.get(form.get('play') ?? '');
    if (!play) {
      return send(
        res,
        404,
        errorPage({
          title: 'This session has ended',
          code: 'play_not_found',
          message: 'The player no longer knows this launch (it was restarted, or the session is older than a few hours).',
          hint: 'Open the activity again from your course to send a score.',
        }),
      );
    }
    if (!play.handoff.canSendGrade) {
      return send(res, 409, errorPage({ title: 'No grade for this activity', code: 'grade_not_available', message: 'The LMS did not offer a grade column for this launch.' }));
    }
    const raw = (form.get('score') ?? '').trim().replace(',', '.');
    const scorePercent = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(scorePercent) || scorePercent < 0 || scorePercent > 100) {
      return send(res, 400, playingPage(play, { error: 'Enter a score from 0 to 100.' }));
    }
    if (!config.apiKey) {
      return send(
        res,
        503,
        errorPage({
          title: 'Scores are not configured',
          code: 'api_key_missing',
          message: 'The player has no Tether API key, so it cannot call the Grades API.',
          hint: 'Create one with `pnpm tether apikey create --workspace <slug>` and start the player with TETHER_API_KEY set.',
        }),
      );
    }
    // One attempt ID per score form: sending the same form twice reports the same attempt,
    // which Tether answers idempotently instead of counting it twice.
    const attempt = Number(form.get('attempt'));
    const number = Number.isInteger(attempt) && attempt >= 1 && attempt <= play.nextAttempt ? attempt : play.nextAttempt;
    const result = await sendScore({
      runtimeUrl: config.runtimeUrl,
      apiKey: config.apiKey,
      launch: play.handoff.launch.correlationId,
      attemptId: `${play.attemptPrefix}-${number}`,
      scorePercent,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    });
    if (result.ok && number === play.nextAttempt) play.nextAttempt++;
    send(res, result.ok ? 200 : 502, scoreResultPage(play, scorePercent, result));
  }

  return async function handle(req, res) {
    const path = new URL(req.url ?? '/', 'http://player.invalid').pathname;
    try {
      if (req.method === 'GET' && path === '/') return send(res, 200, homePage(config));
      if (req.method === 'POST' && (path === '/' || path === '/play')) return await launch(req, res);
      if (req.method === 'POST' && path === '/score') return await score(req, res);
      if (path === '/play' || path === '/score') {
        res.setHeader('allow', 'POST');
        return send(res, 405, errorPage({ title: 'Open the activity from your course', message: 'This page is reached by a form that Tether posts after a launch.' }));
      }
      send(res, 404, errorPage({ title: 'Not found', message: `There is no page at ${path}.` }));
    } catch (err) {
      console.error(err);
      if (!res.headersSent) send(res, 500, errorPage({ title: 'Something went wrong', code: 'internal_error', message: 'The player failed to answer this request.' }));
    }
  };
}

/** Verified hand-offs by an unguessable id (256 random bits), each with its attempt numbering. */
function createPlays() {
  const plays = new Map();
  return {
    open(handoff) {
      const now = Date.now();
      for (const [id, play] of plays) {
        // Oldest first (insertion order): stop at the first one still fresh.
        if (play.openedAt + PLAY_TTL_MS > now && plays.size < MAX_PLAYS) break;
        plays.delete(id);
      }
      const play = { id: randomBytes(32).toString('base64url'), handoff, openedAt: now, attemptPrefix: randomUUID(), nextAttempt: 1 };
      plays.set(play.id, play);
      return play;
    },
    get(id) {
      const play = plays.get(id);
      return play && play.openedAt + PLAY_TTL_MS > Date.now() ? play : undefined;
    },
  };
}

/** The urlencoded body, or undefined after answering an error. */
async function readForm(req, res) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    send(res, 415, errorPage({ title: 'Unsupported request', message: 'Send an HTML form (application/x-www-form-urlencoded).' }));
    return undefined;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      send(res, 413, errorPage({ title: 'Request too large', message: 'The form is larger than this player accepts.' }));
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, page) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Framable by any LMS (a real host would list its LMS origins); forms post only back here.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors *",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(page);
}

/** Our side (Tether's keys unreachable) or the token's. */
function refusalStatus(code) {
  return code.startsWith('jwks_') || code === 'key_lookup_failed' ? 502 : 401;
}

function refusalHint(code) {
  switch (code) {
    case 'handoff_token_replayed':
      return 'Each launch opens the player once. Open the activity again from your course.';
    case 'token_expired':
    case 'token_too_old':
      return 'The launch took too long to arrive (a hand-off is valid for 5 minutes). Open the activity again from your course.';
    case 'aud_mismatch':
      return "The token was made for another player: PLAYER_URL must be the origin of the runtime's SCENARIO_PLAYER_URL.";
    case 'iss_mismatch':
      return "The token comes from another Tether: TETHER_RUNTIME_URL must be the runtime's PUBLIC_URL.";
    default:
      return code.startsWith('jwks_')
        ? "The player could not read Tether's keys: check TETHER_RUNTIME_URL and that the runtime is up."
        : 'Open the activity again from your course; if it keeps happening, give this code to your administrator.';
  }
}
