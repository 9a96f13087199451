// The example player end to end: a fake Tether runtime (its JWKS and a Grades API that records
// what it receives), hand-off tokens signed with signHandoffToken, the player in between.
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import { generateToolKey, signHandoffToken } from '@tether/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.mjs';
import { createPlayer } from '../src/player.mjs';

const API_KEY = 'tk_test_0123456789';

/** @type {{ origin: string, close(): Promise<void> }} */
let runtime;
/** @type {{ origin: string, close(): Promise<void> }} */
let player;
let toolKey;
/** Requests the fake Grades API received. */
let grades = [];
/** What the fake Grades API answers next. */
let gradesAnswer;

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  toolKey = await generateToolKey();
  runtime = await listen(async (req, res) => {
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [toolKey.publicJwk] }));
    }
    if (req.method === 'POST' && req.url === '/api/v1/grades') {
      grades.push({ headers: req.headers, body: JSON.parse(await readBody(req)) });
      res.writeHead(gradesAnswer.status, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(gradesAnswer.body));
    }
    res.writeHead(404).end();
  });
  // The player's own origin is the audience, so it listens first and is told it afterwards.
  let handle;
  player = await listen((req, res) => handle(req, res));
  handle = createPlayer(readConfig({ TETHER_RUNTIME_URL: runtime.origin, PLAYER_URL: player.origin, TETHER_API_KEY: API_KEY }));
});

afterAll(async () => {
  await player?.close();
  await runtime?.close();
});

beforeEach(() => {
  grades = [];
  gradesAnswer = { status: 202, body: { attemptId: 'ignored', passbackId: 'pb-1', status: 'queued' } };
});

const CONTEXT = {
  learner: { id: 'member-1', name: 'Ada Lovelace', email: 'ada@example.edu' },
  workspace: { id: 'ws-1' },
  scenario: { id: 'sc-1', slug: 'fire-drill' },
  launch: { id: 'launch-1', correlationId: 'cid-1' },
  roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
  course: { id: 'course-7', title: 'Safety 101' },
  canSendGrade: true,
};

function sign(ctx = CONTEXT, opts = {}) {
  return signHandoffToken(ctx, {
    key: createPrivateKey({ key: toolKey.privateJwk, format: 'jwk' }),
    kid: toolKey.kid,
    issuer: runtime.origin,
    audience: player.origin,
    ...opts,
  });
}

async function post(path, fields) {
  const res = await fetch(`${player.origin}${path}`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

const hidden = (html, name) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];

describe('GET /', () => {
  it('explains what the player is and how it is configured', async () => {
    const res = await fetch(`${player.origin}/`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Example scenario player');
    expect(html).toContain(`${runtime.origin}/.well-known/jwks.json`);
    expect(html).toContain(player.origin);
  });
});

describe('the hand-off', () => {
  it('shows the scenario, the learner, the launch and correlation IDs, and the score form', async () => {
    const res = await post('/', { tether_launch: await sign() });
    expect(res.status).toBe(200);
    expect(res.html).toContain('Playing fire-drill as Ada Lovelace');
    expect(res.html).toContain('launch-1');
    expect(res.html).toContain('cid-1');
    expect(res.html).toContain('Finish with a score');
    expect(res.html).toMatch(/<label>Score \(%\)\s*<input type="number" name="score" min="0" max="100"/);
    expect(res.html).toContain('<button type="submit">Send score</button>');
    expect(hidden(res.html, 'play')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Framable by the LMS, no cookie needed.
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('also at /play; no score form when the launch cannot take a grade', async () => {
    const res = await post('/play', { tether_launch: await sign({ ...CONTEXT, canSendGrade: false, learner: { id: 'm-2', name: null, email: null } }) });
    expect(res.status).toBe(200);
    expect(res.html).toContain('Playing fire-drill as learner m-2');
    expect(res.html).not.toContain('Send score');
    expect(res.html).toContain('no grade column');
  });

  it('refuses a replayed token with its code', async () => {
    const token = await sign();
    expect((await post('/', { tether_launch: token })).status).toBe(200);
    const replay = await post('/', { tether_launch: token });
    expect(replay.status).toBe(401);
    expect(replay.html).toContain('This launch could not be accepted');
    expect(replay.html).toContain('<code>handoff_token_replayed</code>');
  });

  it('refuses a token for another player, a tampered one, and none at all', async () => {
    const other = await post('/', { tether_launch: await sign(CONTEXT, { audience: 'https://other-player.example' }) });
    expect(other.status).toBe(401);
    expect(other.html).toContain('<code>aud_mismatch</code>');

    const token = await sign();
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(payload, 'base64url').toString().replace('"can_send_grade":true', '"can_send_grade":false');
    const tampered = await post('/', { tether_launch: `${header}.${Buffer.from(forged).toString('base64url')}.${signature}` });
    expect(tampered.html).toContain('<code>bad_signature</code>');

    const none = await post('/', { something: 'else' });
    expect(none.status).toBe(400);
    expect(none.html).toContain('Nothing to play');
  });

  it('answers a GET on /play with 405 and unknown paths with 404', async () => {
    expect((await fetch(`${player.origin}/play`)).status).toBe(405);
    expect((await fetch(`${player.origin}/nope`)).status).toBe(404);
  });
});

describe('the score', () => {
  it("posts it to Tether's Grades API and shows the answer", async () => {
    const page = await post('/', { tether_launch: await sign() });
    const play = hidden(page.html, 'play');
    const res = await post('/score', { play, attempt: hidden(page.html, 'attempt'), score: '87.5' });

    expect(grades).toHaveLength(1);
    const [call] = grades;
    expect(call.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toEqual({ launch: 'cid-1', attemptId: expect.stringMatching(/^[0-9a-f-]{36}-1$/), scorePercent: 87.5, submittedAt: expect.any(String) });
    expect(Date.parse(call.body.submittedAt)).toBeGreaterThan(Date.now() - 60_000);

    expect(res.status).toBe(200);
    expect(res.html).toContain('Score accepted');
    expect(res.html).toContain('queued');
    expect(res.html).toContain('pb-1');
    // A next attempt gets a new attempt ID; the same form sent again keeps its own.
    expect(hidden(res.html, 'attempt')).toBe('2');
    await post('/score', { play, attempt: '1', score: '87.5' });
    await post('/score', { play, attempt: '2', score: '90' });
    expect(grades.map((g) => g.body.attemptId)).toEqual([call.body.attemptId, call.body.attemptId, call.body.attemptId.replace(/-1$/, '-2')]);
  });

  it("shows the API's error code and message", async () => {
    gradesAnswer = {
      status: 422,
      body: {
        error: {
          code: 'ags_not_available',
          message: 'The LMS did not offer grade passback for this launch.',
          fields: { launch: 'cannot carry a grade' },
          reason: 'no_score_scope',
        },
      },
    };
    const page = await post('/', { tether_launch: await sign() });
    const res = await post('/score', { play: hidden(page.html, 'play'), attempt: '1', score: '40' });
    expect(res.status).toBe(502);
    expect(res.html).toContain('Score not sent');
    expect(res.html).toContain('<code>ags_not_available</code>');
    expect(res.html).toContain('The LMS did not offer grade passback for this launch.');
    expect(res.html).toContain('<code>launch</code>: cannot carry a grade');
    expect(res.html).toContain('<code>no_score_scope</code>');
  });

  it('checks the score before calling Tether; an unknown play is refused', async () => {
    const page = await post('/', { tether_launch: await sign() });
    const bad = await post('/score', { play: hidden(page.html, 'play'), attempt: '1', score: '120' });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('Enter a score from 0 to 100.');
    const unknown = await post('/score', { play: 'guessed', attempt: '1', score: '50' });
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('<code>play_not_found</code>');
    expect(grades).toHaveLength(0);
  });

  it('without an API key, says so instead of calling Tether', async () => {
    const keyless = await listen(createPlayer(readConfig({ TETHER_RUNTIME_URL: runtime.origin, PLAYER_URL: player.origin })));
    try {
      const launch = await fetch(`${keyless.origin}/`, { method: 'POST', body: new URLSearchParams({ tether_launch: await sign() }) });
      const play = hidden(await launch.text(), 'play');
      const res = await fetch(`${keyless.origin}/score`, { method: 'POST', body: new URLSearchParams({ play, attempt: '1', score: '50' }) });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('api_key_missing');
      expect(grades).toHaveLength(0);
    } finally {
      await keyless.close();
    }
  });
});

describe('readConfig', () => {
  it('has the documented defaults and reduces URLs to origins', () => {
    expect(readConfig({})).toEqual({ port: 3200, runtimeUrl: 'http://localhost:3001', playerUrl: 'http://localhost:3200', apiKey: null });
    expect(readConfig({ TETHER_RUNTIME_URL: 'https://tether.example/', PLAYER_URL: 'https://play.example/lti', TETHER_API_KEY: ' tk_1 ' })).toMatchObject({
      runtimeUrl: 'https://tether.example',
      playerUrl: 'https://play.example',
      apiKey: 'tk_1',
    });
    expect(() => readConfig({ PORT: 'x' })).toThrow(/PORT/);
    expect(() => readConfig({ TETHER_RUNTIME_URL: 'localhost:3001' })).toThrow(/TETHER_RUNTIME_URL/);
  });
});
