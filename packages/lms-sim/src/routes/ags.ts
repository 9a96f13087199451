/** Assignment and Grade Services 2.0: line items, scores, results. */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { MEDIA, SCOPE } from '../constants.js';
import { appendPath, json, mediaType, typedJson } from '../http.js';
import { insertLineItem, lineItemJson, lineItemUrl } from '../line-items.js';
import type { LineItemRecord, SimContext } from '../state.js';
import type { LineItemFields, RecordedScore, Score } from '../types.js';
import { linkHeader, parseLimit, parsePage, requireBearer } from './bearer.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const LineItemBody = z.looseObject({
  id: z.string().optional(),
  label: z.string().trim().min(1, 'label is required'),
  scoreMaximum: z.number().positive('scoreMaximum must be > 0'),
  resourceId: z.string().optional(),
  resourceLinkId: z.string().optional(),
  tag: z.string().optional(),
  startDateTime: z.string().regex(ISO_DATE_TIME).optional(),
  endDateTime: z.string().regex(ISO_DATE_TIME).optional(),
  gradesReleased: z.boolean().optional(),
});

const ScoreBody = z
  .looseObject({
    userId: z.string().min(1, 'userId is required'),
    scoreGiven: z.number().min(0, 'scoreGiven must be ≥ 0').optional(),
    scoreMaximum: z.number().positive('scoreMaximum must be > 0').optional(),
    comment: z.string().optional(),
    timestamp: z.string().regex(ISO_DATE_TIME, 'timestamp must be an ISO-8601 date-time with a UTC offset'),
    activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
    gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
    submission: z.object({ startedAt: z.string().optional(), submittedAt: z.string().optional() }).optional(),
    scoringUserId: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.scoreGiven !== undefined && s.scoreMaximum === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scoreMaximum'], message: 'scoreMaximum is required when scoreGiven is present' });
    }
  });

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

/** Comparable key for an ISO timestamp, keeping sub-millisecond digits. */
function timestampKey(ts: string): [number, number] {
  const ms = Date.parse(ts);
  const frac = /\.(\d+)/.exec(ts)?.[1] ?? '';
  const beyondMs = Number.parseInt(`${frac.slice(3)}000000`.slice(0, 6), 10);
  return [ms, beyondMs];
}

function compareTimestamps(a: string, b: string): number {
  const [am, as] = timestampKey(a);
  const [bm, bs] = timestampKey(b);
  return am !== bm ? am - bm : as - bs;
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; res: Response }> {
  try {
    return { ok: true, value: JSON.parse(await c.req.text()) as unknown };
  } catch {
    return { ok: false, res: json(400, { error: 'invalid_request', error_description: 'body is not valid JSON' }) };
  }
}

export function installAgsRoutes(app: Hono, sim: SimContext): void {
  const moodle = sim.mode === 'moodle';
  const itemPath = moodle ? '/ags/:ctx/lineitems/:id/lineitem' : '/ags/:ctx/lineitems/:id';

  /** Absolute URL on the sim for the current request path with some query params replaced. */
  const selfUrl = (c: Context, set: Record<string, string>): string => {
    const req = new URL(c.req.url);
    const u = new URL(`${sim.url}${req.pathname}${req.search}`);
    for (const [k, v] of Object.entries(set)) u.searchParams.set(k, v);
    return u.toString();
  };

  const paginate = <T>(c: Context, all: T[], defaultLimit: number): { items: T[]; link: string | undefined } => {
    const q = new URL(c.req.url).searchParams;
    const limit = parseLimit(q.get('limit'), defaultLimit);
    const pageNo = parsePage(q.get('page'));
    const pages = Math.max(1, Math.ceil(all.length / limit));
    const items = all.slice((pageNo - 1) * limit, pageNo * limit);
    const links: Array<[string, string]> = [];
    const at = (n: number): string => selfUrl(c, { page: String(n), limit: String(limit) });
    if (pageNo < pages) links.push(['next', at(pageNo + 1)]);
    if (pageNo > 1) links.push(['prev', at(pageNo - 1)]);
    links.push(['first', at(1)], ['last', at(pages)]);
    return { items, link: all.length > limit || pageNo > 1 ? linkHeader(links) : undefined };
  };

  const findItem = (c: Context): LineItemRecord | Response => {
    const ctx = c.req.param('ctx') ?? '';
    const id = c.req.param('id') ?? '';
    const rec = sim.state.lineItems.get(id);
    if (!rec || rec.contextId !== ctx) {
      return json(404, { error: 'not_found', error_description: `line item ${id} not found in context ${ctx}` });
    }
    return rec;
  };

  app.use('/ags/*', async (c, next) => {
    sim.state.stats.agsRequests++;
    if (moodle) {
      const typeId = new URL(c.req.url).searchParams.get('type_id');
      if (typeId !== '1') {
        return json(400, {
          error: 'invalid_request',
          error_description:
            typeId === null
              ? 'type_id query parameter missing (keep the query string of the line item URL)'
              : `type_id "${typeId}" is invalid (was /scores appended after the query string?)`,
        });
      }
    }
    await next();
  });

  // ---------------------------------------------------------------- container
  app.get('/ags/:ctx/lineitems', (c) => {
    const tok = requireBearer(c, sim, [SCOPE.lineItem, SCOPE.lineItemReadonly]);
    if (tok instanceof Response) return tok;
    const ctx = c.req.param('ctx');
    const q = new URL(c.req.url).searchParams;
    const rl = q.get('resource_link_id');
    const rid = q.get('resource_id');
    const tag = q.get('tag');
    const all = [...sim.state.lineItems.values()]
      .filter((r) => r.contextId === ctx)
      .filter((r) => rl === null || r.item.resourceLinkId === rl)
      .filter((r) => rid === null || r.item.resourceId === rid)
      .filter((r) => tag === null || r.item.tag === tag)
      .map((r) => lineItemJson(sim, r));
    const { items, link } = paginate(c, all, 1000);
    return typedJson(200, MEDIA.lineItemContainer, items, link ? { link } : {});
  });

  app.post('/ags/:ctx/lineitems', async (c) => {
    const tok = requireBearer(c, sim, [SCOPE.lineItem]);
    if (tok instanceof Response) return tok;
    if (mediaType(c.req.header('content-type')) !== MEDIA.lineItem) {
      return json(415, { error: 'unsupported_media_type', error_description: `Content-Type must be ${MEDIA.lineItem}` });
    }
    const body = await readJson(c);
    if (!body.ok) return body.res;
    const parsed = LineItemBody.safeParse(body.value);
    if (!parsed.success) return json(400, { error: 'invalid_request', error_description: zodMessage(parsed.error) });
    const { id: _ignored, ...item } = parsed.data;
    const ctx = c.req.param('ctx');
    if (!sim.state.contexts.has(ctx)) sim.state.contexts.set(ctx, { id: ctx });
    const rec = insertLineItem(sim, ctx, item as LineItemFields, tok.clientId);
    const out = lineItemJson(sim, rec);
    return typedJson(201, MEDIA.lineItem, out, { location: out.id });
  });

  // ---------------------------------------------------------------- line item
  app.get(itemPath, (c) => {
    const tok = requireBearer(c, sim, [SCOPE.lineItem, SCOPE.lineItemReadonly]);
    if (tok instanceof Response) return tok;
    const rec = findItem(c);
    if (rec instanceof Response) return rec;
    return typedJson(200, MEDIA.lineItem, lineItemJson(sim, rec));
  });

  app.put(itemPath, async (c) => {
    const tok = requireBearer(c, sim, [SCOPE.lineItem]);
    if (tok instanceof Response) return tok;
    const rec = findItem(c);
    if (rec instanceof Response) return rec;
    if (mediaType(c.req.header('content-type')) !== MEDIA.lineItem) {
      return json(415, { error: 'unsupported_media_type', error_description: `Content-Type must be ${MEDIA.lineItem}` });
    }
    const body = await readJson(c);
    if (!body.ok) return body.res;
    const parsed = LineItemBody.safeParse(body.value);
    if (!parsed.success) return json(400, { error: 'invalid_request', error_description: zodMessage(parsed.error) });
    const { id: _ignored, ...item } = parsed.data;
    rec.item = item as LineItemFields;
    return typedJson(200, MEDIA.lineItem, lineItemJson(sim, rec));
  });

  app.delete(itemPath, (c) => {
    const tok = requireBearer(c, sim, [SCOPE.lineItem]);
    if (tok instanceof Response) return tok;
    const rec = findItem(c);
    if (rec instanceof Response) return rec;
    sim.state.lineItems.delete(rec.id);
    return new Response(null, { status: 204 });
  });

  // ---------------------------------------------------------------- scores
  app.post(`${itemPath}/scores`, async (c) => {
    const tok = requireBearer(c, sim, [SCOPE.score]);
    if (tok instanceof Response) return tok;
    const rec = findItem(c);
    if (rec instanceof Response) return rec;
    const ct = mediaType(c.req.header('content-type'));
    if (ct !== MEDIA.score) {
      return json(415, {
        error: 'unsupported_media_type',
        error_description: `Content-Type must be ${MEDIA.score} (got "${ct || 'none'}")`,
      });
    }
    const body = await readJson(c);
    if (!body.ok) return body.res;
    const parsed = ScoreBody.safeParse(body.value);
    if (!parsed.success) return json(400, { error: 'invalid_request', error_description: zodMessage(parsed.error) });
    const score = parsed.data as Score;

    if (sim.mode === 'brightspace' && score.scoreGiven !== undefined && score.scoreMaximum !== undefined && score.scoreGiven > score.scoreMaximum) {
      return json(400, { error: 'invalid_request', error_description: 'scoreGiven exceeds scoreMaximum (grade item cannot exceed)' });
    }

    const key = `${rec.id}\n${score.userId}`;
    const last = sim.state.latestScores.get(key);
    const resultUrl = `${appendPath(lineItemUrl(sim, rec.contextId, rec.id), 'results')}`;
    if (last) {
      const cmp = compareTimestamps(score.timestamp, last.score.timestamp);
      if (cmp < 0) {
        return json(400, {
          error: 'invalid_request',
          error_description: `timestamp ${score.timestamp} is older than the last score for this user (${last.score.timestamp})`,
        });
      }
      if (cmp === 0) {
        if (JSON.stringify(score) === JSON.stringify(last.score)) {
          return json(200, { resultUrl, duplicate: true }); // idempotent retry
        }
        return json(400, {
          error: 'invalid_request',
          error_description: `timestamp ${score.timestamp} equals the last score's timestamp but the score differs`,
        });
      }
    }
    const recorded: RecordedScore = { lineItemId: rec.id, contextId: rec.contextId, clientId: tok.clientId, score, receivedAt: Date.now() };
    sim.state.scores.push(recorded);
    sim.state.latestScores.set(key, recorded);
    sim.state.stats.scoresAccepted++;
    return json(200, { resultUrl });
  });

  // ---------------------------------------------------------------- results
  app.get(`${itemPath}/results`, (c) => {
    const tok = requireBearer(c, sim, [SCOPE.resultReadonly]);
    if (tok instanceof Response) return tok;
    const rec = findItem(c);
    if (rec instanceof Response) return rec;
    const userId = new URL(c.req.url).searchParams.get('user_id');
    const itemUrl = lineItemUrl(sim, rec.contextId, rec.id);
    const all = [...sim.state.latestScores.values()]
      .filter((s) => s.lineItemId === rec.id && (userId === null || s.score.userId === userId))
      .map((s) => {
        const resultUrl = new URL(appendPath(itemUrl, 'results'));
        resultUrl.searchParams.set('user_id', s.score.userId);
        const r: Record<string, unknown> = { id: resultUrl.toString(), scoreOf: itemUrl, userId: s.score.userId };
        if (s.score.scoreGiven !== undefined && s.score.scoreMaximum) {
          r.resultScore = (s.score.scoreGiven / s.score.scoreMaximum) * rec.item.scoreMaximum;
          r.resultMaximum = rec.item.scoreMaximum;
        }
        if (s.score.comment !== undefined) r.comment = s.score.comment;
        return r;
      });
    const { items, link } = paginate(c, all, 1000);
    return typedJson(200, MEDIA.resultContainer, items, link ? { link } : {});
  });

  app.all(itemPath, () => json(405, { error: 'method_not_allowed', error_description: 'line item URLs accept GET, PUT and DELETE' }));
}
