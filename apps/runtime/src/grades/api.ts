// The Grades API: the host product reports graded attempts with a workspace API key.
//
//   POST /api/v1/grades            { launch, attemptId, scorePercent, submittedAt? }
//        202 { attemptId, passbackId, status: 'queued' | 'skipped', reason? }
//        200 the original answer when the attemptId was seen before (same launch and score)
//   GET  /api/v1/grades/:attemptId  the attempt's passback status
//
// Errors are JSON `{ error: { code, message, fields? } }`: 400 invalid_request (fields name
// the bad input: also a body that is not UTF-8 JSON, a NUL or lone surrogate in any string),
// 401 unauthorized, 404 launch_not_found / attempt_not_found, 409 launch_not_landed /
// attempt_conflict, 413 request_too_large (over 16 KiB), 422 ags_not_available (a launch that
// cannot carry a grade — an instructor's deep-linking launch, no AGS claim, no score scope,
// an anonymous launch: `gradeBlockerOf`; `reason` names which). Every code is worded in the
// catalogue (@tether/errors); a refused call stores nothing.
//
// scorePercent is rounded to 4 decimals (0.0001 %, finer than any LMS keeps): a denormal such as
// 5e-324 is 0, never a value the `real` column cannot hold. Non-finite numbers cannot be JSON.
import { type ApiKeySummary, attemptDecision, findLaunchByRef, findPassbackByAttemptKey, type GradeBlocker, gradeBlockerOf, recordAttempt, verifyApiKey } from '@tether/db';
import type { GradesApiErrorCode } from '@tether/errors';
import { safeText } from '@tether/lti';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { RuntimeDeps } from '../deps.js';
import { readJson } from '../http/read-body.js';
import type { KeyLimiter } from '../rate-limits.js';

type Env = { Variables: { apiKey: ApiKeySummary } };

/** Submission times this far in the future are refused: the LMS keeps the latest timestamp. */
const MAX_FUTURE_MS = 5 * 60_000;

const required = (what: string) => (iss: { input: unknown }) => (iss.input === undefined ? 'required' : what);

/** Decimals kept of a score percent. */
const SCORE_DECIMALS = 4;
const roundScore = (v: number) => Math.round(v * 10 ** SCORE_DECIMALS) / 10 ** SCORE_DECIMALS + 0; // + 0: never -0

const attemptIdSchema = safeText({ max: 200, min: 1 });

const gradeInput = z.object({
  /** The launch's correlation ID or launch ID. */
  launch: safeText({ max: 200, min: 1, trim: true }),
  attemptId: attemptIdSchema,
  scorePercent: z
    .number({ error: required('must be a number from 0 to 100') })
    .min(0, 'must be from 0 to 100')
    .max(100, 'must be from 0 to 100')
    .transform(roundScore),
  submittedAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-23T10:15:30.123Z' })
    .refine((v) => Date.parse(v) <= Date.now() + MAX_FUTURE_MS, 'must not be in the future')
    .optional(),
});

/** The codes this API answers with; each has a catalogue entry. */
type GradesApiCode = GradesApiErrorCode | 'invalid_request' | 'request_too_large' | 'ags_not_available';

const apiError = (c: Context, status: 400 | 401 | 404 | 409 | 413 | 422, code: GradesApiCode, message: string, fields?: Record<string, string>, extra?: Record<string, string>) =>
  c.json({ error: { code, message, ...(fields ? { fields } : {}), ...(extra ?? {}) } }, status);

/** Why a launch cannot carry a grade, for the host product's developer (`reason` in the 422). */
const NOT_GRADABLE: Record<GradeBlocker, string> = {
  anonymous: 'The launch has no learner identity (anonymous launch), so no grade can be sent.',
  no_platform: 'The LMS connection of this launch was removed from Tether, so no grade can be sent.',
  not_resource_link:
    'This is not a learner’s launch of a graded activity (it is an instructor’s deep-linking launch or a registration). Report the grade against the launch of the activity the learner was graded in.',
  no_ags_endpoint:
    'The LMS did not offer grade passback for this launch (no AGS line item or line items URL in the launch). Enable Assignment and Grade Services for the tool in the LMS; the next launch carries it.',
  no_resource_link: 'The launch carries only a line items URL and no resource link, so there is no grade column to post to.',
  no_score_scope:
    'The LMS did not grant the AGS score scope with this launch, so a score cannot be posted. Enable the score scope for the tool in the LMS; the next launch carries it.',
  no_lineitem_scope:
    'The launch carries only a line items URL, and the LMS granted no line item scope to find or create the grade column. Enable the line item scope for the tool in the LMS, or give the activity a grade column.',
};

/** `limiter`: per-API-key flood control (rate-limits.ts), counted once the key is known. */
export function gradesApi(deps: RuntimeDeps, limiter?: KeyLimiter) {
  const app = new Hono<Env>();

  const auth = async (c: Context<Env>, next: () => Promise<void>) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    c.header('cache-control', 'no-store');
    if (!m) {
      c.header('www-authenticate', 'Bearer realm="tether"');
      return apiError(c, 401, 'unauthorized', 'Send a workspace API key: Authorization: Bearer tk_… (create one with `pnpm tether apikey create --workspace <slug>`).');
    }
    const key = await verifyApiKey(deps.db, m[1]!);
    if (!key) {
      c.header('www-authenticate', 'Bearer realm="tether", error="invalid_token"');
      return apiError(c, 401, 'unauthorized', 'The API key is unknown, revoked or malformed.');
    }
    const limited = await limiter?.consume(key.id);
    if (limited) return limited;
    c.set('apiKey', key);
    await next();
  };
  app.use('/api/v1/grades', auth);
  app.use('/api/v1/grades/*', auth);

  app.post('/api/v1/grades', async (c) => {
    const key = c.get('apiKey');
    const read = await readJson(c);
    if (!read.ok) {
      const { error } = read;
      if (error.code === 'request_too_large') return apiError(c, 413, error.code, error.message);
      return apiError(c, 400, error.code, error.message, error.field ? { [error.field]: error.message } : { body: 'must be a JSON object (UTF-8)' });
    }
    const body = read.value;
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      return apiError(c, 400, 'invalid_request', 'The body must be a JSON object.', { body: 'must be a JSON object' });
    const parsed = gradeInput.safeParse(body);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const f = String(issue.path[0] ?? 'body');
        fields[f] ??= issue.message;
      }
      return apiError(
        c,
        400,
        'invalid_request',
        Object.entries(fields)
          .map(([f, m]) => `${f}: ${m}`)
          .join('; '),
        fields,
      );
    }
    const input = parsed.data;

    const launch = await findLaunchByRef(deps.db, key.workspace_id, input.launch);
    if (!launch) {
      return apiError(c, 404, 'launch_not_found', `No launch "${input.launch}" in this workspace (use the correlation ID or launch ID of a launch).`, { launch: 'unknown launch' });
    }
    if (launch.status !== 'landed') {
      return apiError(
        c,
        409,
        'launch_not_landed',
        `The launch did not complete (status ${launch.status}${launch.error_code ? `, ${launch.error_code}` : ''}), so there is nothing to grade.`,
        { launch: `launch status is ${launch.status}` },
      );
    }
    // Refused before anything is written: the worker could only fail it later, and no retry helps.
    const blocker = gradeBlockerOf(launch);
    if (blocker) return apiError(c, 422, 'ags_not_available', NOT_GRADABLE[blocker], { launch: 'cannot carry a grade' }, { reason: blocker });

    const submittedAt = input.submittedAt ? new Date(input.submittedAt) : new Date();
    const result = await recordAttempt(deps.db, {
      workspaceId: key.workspace_id,
      launch,
      attemptKey: input.attemptId,
      scorePercent: input.scorePercent,
      submittedAt,
      queue: deps.grades.queue,
    });
    if (result.kind === 'duplicate') {
      if (!result.sameInput || !result.passback) {
        return apiError(c, 409, 'attempt_conflict', `attemptId "${input.attemptId}" was already reported with another launch or score; an attempt ID names one graded attempt.`, {
          attemptId: 'already used for another launch or score',
        });
      }
      return c.json({ attemptId: input.attemptId, passbackId: result.passback.id, ...attemptDecision(result.passback), duplicate: true }, 200);
    }
    const decision = attemptDecision(result.passback);
    if (decision.status === 'queued') deps.grades.wake();
    deps.logger.info({ correlationId: launch.correlation_id, attemptId: input.attemptId, percent: input.scorePercent, ...decision }, 'grade received');
    return c.json({ attemptId: input.attemptId, passbackId: result.passback.id, ...decision }, 202);
  });

  app.get('/api/v1/grades/:attemptId', async (c) => {
    const key = c.get('apiKey');
    const param = attemptIdSchema.safeParse(c.req.param('attemptId'));
    if (!param.success) {
      const message = param.error.issues[0]?.message ?? 'invalid';
      return apiError(c, 400, 'invalid_request', `attemptId: ${message}`, { attemptId: message });
    }
    const attemptId = param.data;
    const found = await findPassbackByAttemptKey(deps.db, key.workspace_id, attemptId);
    if (!found) return apiError(c, 404, 'attempt_not_found', `No attempt "${attemptId}" in this workspace.`);
    const { attempt, passback: p, correlationId } = found;
    return c.json({
      attemptId,
      launch: correlationId,
      scorePercent: attempt.score_percent,
      submittedAt: attempt.submitted_at.toISOString(),
      passbackId: p?.id ?? null,
      status: p?.status ?? 'received',
      reason: p?.skip_reason ?? null,
      lineItem: p?.lineitem_url ?? null,
      scoreGiven: p?.score_given ?? null,
      scoreMaximum: p?.score_maximum ?? null,
      lmsStatus: p?.lms_status ?? null,
      tries: p?.tries ?? 0,
      error: p?.error_code ? { code: p.error_code, message: p.error_message } : null,
      nextAttemptAt: p?.next_attempt_at?.toISOString() ?? null,
      sentAt: p?.sent_at?.toISOString() ?? null,
      createdAt: attempt.created_at.toISOString(),
      updatedAt: p?.updated_at.toISOString() ?? attempt.created_at.toISOString(),
    });
  });

  return app;
}
