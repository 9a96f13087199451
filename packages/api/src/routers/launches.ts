import { countLaunchesPerDay, findLaunchDetail, findUnansweredLogin, listLaunchEvents, listRecentLaunches, topErrorCodes } from '@tether/db';
import { type CatalogueEntry, explainOrUnknown } from '@tether/errors';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { idSchema, iso, isoOrNull } from '../util.js';

/** The one catalogue's words for a recorded error code (launch, deep linking, registration, grade, roster …). */
const explanationOf = (code: string | null): CatalogueEntry | null => (code ? explainOrUnknown(code) : null);

const DAY_MS = 86_400_000;

const timestamp = safeText({ max: 40, trim: true })
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/, 'must be an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)')
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a valid date');

const recentInput = z.object({
  outcome: z.enum(['landed', 'failed', 'started']).optional(),
  platformId: idSchema.optional(),
  scenarioId: idSchema.optional(),
  /** Inclusive lower bound on the launch time (ISO 8601). */
  since: timestamp.optional(),
  /** Exclusive upper bound on the launch time (ISO 8601). */
  until: timestamp.optional(),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(25),
  /** `nextCursor` of the previous page; omit (or null) for the first page. */
  cursor: safeText({ max: 200 }).nullish(),
});

const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const encodeCursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && CURSOR_TS.test(v[0]) && UUID.test(v[1])) {
      return { createdAt: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  throw fieldError('BAD_REQUEST', 'cursor', 'is not a cursor returned by this list');
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

type EventRow = Awaited<ReturnType<typeof listLaunchEvents>>[number];

const eventView = (e: EventRow) => ({
  id: String(e.id),
  step: e.step,
  outcome: e.outcome,
  errorCode: e.error_code,
  durationMs: e.duration_ms === null ? null : Number(e.duration_ms),
  details: e.details,
  at: iso(e.created_at),
  explanation: e.outcome === 'error' ? explanationOf(e.error_code) : null,
});

/** A login the platform has not answered (yet): shown as a started launch with the login's own events. */
function unansweredLoginView(login: NonNullable<Awaited<ReturnType<typeof findUnansweredLogin>>>, events: EventRow[]) {
  const loginEvents: EventRow[] = login.login_events.map((e, i) => ({
    id: `login-${i}`,
    step: e.step,
    outcome: e.outcome,
    error_code: e.error_code,
    duration_ms: e.duration_ms,
    details: e.details,
    created_at: new Date(e.at),
  }));
  return {
    launch: {
      id: null,
      correlationId: login.correlation_id,
      status: 'started' as const,
      errorCode: null,
      explanation: null,
      platform: { id: login.platform_id, name: login.platform_name },
      issuer: login.issuer,
      clientId: login.client_id,
      deploymentId: null,
      messageType: null,
      scenario: null,
      user: null,
      roles: [] as string[],
      context: null,
      resourceLink: null,
      createdAt: iso(login.created_at),
      completedAt: null,
    },
    // A cookie-less launch may have recorded its first events already (they include the login's).
    events: (events.length > 0 ? events : loginEvents).map(eventView),
  };
}

export const launchesRouter = createTRPCRouter({
  /** A launch of this workspace by its correlation ID, with its timeline and plain-words explanations. */
  byCorrelationId: adminProcedure.input(z.object({ correlationId: safeText({ max: 200, min: 1, trim: true, label: 'correlation ID' }) })).query(async ({ ctx, input }) => {
    const [l, events] = await Promise.all([findLaunchDetail(ctx.db, ctx.workspace.id, input.correlationId), listLaunchEvents(ctx.db, ctx.workspace.id, input.correlationId)]);
    if (!l) {
      const login = await findUnansweredLogin(ctx.db, ctx.workspace.id, input.correlationId);
      if (login) return unansweredLoginView(login, events);
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `launch ${input.correlationId} not found in this workspace (launches from an unconnected LMS have no workspace)`,
      });
    }
    return {
      launch: {
        id: l.id,
        correlationId: l.correlation_id,
        status: l.status,
        errorCode: l.error_code,
        explanation: explanationOf(l.error_code),
        platform: l.platform_id ? { id: l.platform_id, name: l.platform_name } : null,
        issuer: l.issuer,
        clientId: l.client_id,
        deploymentId: l.deployment_id,
        messageType: l.message_type,
        scenario: l.scenario_id ? { id: l.scenario_id, slug: l.scenario_slug, title: l.scenario_title } : null,
        user: l.user_id || l.lti_sub ? { id: l.user_id, name: l.user_name, ltiSub: l.lti_sub } : null,
        roles: l.roles,
        context: l.context_id || l.context_title ? { id: l.context_id, title: l.context_title } : null,
        resourceLink: l.resource_link_id || l.resource_link_title ? { id: l.resource_link_id, title: l.resource_link_title } : null,
        createdAt: iso(l.created_at),
        completedAt: isoOrNull(l.completed_at),
      },
      events: events.map(eventView),
    };
  }),

  /** Newest first, keyset-paginated: pass `nextCursor` back as `cursor` until it is null. */
  recent: adminProcedure.input(recentInput.optional()).query(async ({ ctx, input }) => {
    const f = input ?? recentInput.parse({});
    const rows = await listRecentLaunches(ctx.db, ctx.workspace.id, {
      limit: f.limit,
      ...(f.outcome ? { status: f.outcome } : {}),
      ...(f.platformId ? { platformId: f.platformId } : {}),
      ...(f.scenarioId ? { scenarioId: f.scenarioId } : {}),
      ...(f.since ? { since: new Date(f.since) } : {}),
      ...(f.until ? { until: new Date(f.until) } : {}),
      ...(f.cursor ? { after: decodeCursor(f.cursor) } : {}),
    });
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        correlationId: r.correlation_id,
        status: r.status,
        errorCode: r.error_code,
        platformId: r.platform_id,
        platformName: r.platform_name,
        issuer: r.issuer,
        scenarioId: r.scenario_id,
        scenarioTitle: r.scenario_title,
        userId: r.user_id,
        userName: r.user_name,
        contextTitle: r.context_title,
        resourceLinkTitle: r.resource_link_title,
        createdAt: iso(r.created_at),
        completedAt: isoOrNull(r.completed_at),
      })),
      nextCursor: rows.length > f.limit && last ? encodeCursor(last.cursor_ts, last.id) : null,
    };
  }),

  /** Per UTC day (oldest first, today last): launches and failures; totals; the most frequent error codes. */
  stats: adminProcedure
    .input(z.object({ days: z.number().int('must be a whole number').min(1, 'must be at least 1').max(90, 'must be at most 90').default(14) }).optional())
    .query(async ({ ctx, input }) => {
      const days = input?.days ?? 14;
      const now = new Date();
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const from = new Date(today - (days - 1) * DAY_MS);
      const [perDay, top] = await Promise.all([countLaunchesPerDay(ctx.db, ctx.workspace.id, from), topErrorCodes(ctx.db, ctx.workspace.id, from)]);
      const byDay = new Map(perDay.map((d) => [d.day, d]));
      const series = Array.from({ length: days }, (_, i) => {
        const date = utcDay(new Date(from.getTime() + i * DAY_MS));
        const d = byDay.get(date);
        return { date, launches: d?.launches ?? 0, landed: d?.landed ?? 0, failures: d?.failed ?? 0 };
      });
      const totals = series.reduce((t, d) => ({ launches: t.launches + d.launches, landed: t.landed + d.landed, failures: t.failures + d.failures }), {
        launches: 0,
        landed: 0,
        failures: 0,
      });
      const finished = totals.landed + totals.failures;
      return {
        days,
        from: iso(from),
        series,
        totals: { ...totals, started: totals.launches - finished, successRate: finished === 0 ? null : totals.landed / finished },
        topErrors: top.map((t) => ({ ...t, admin: explanationOf(t.code)?.admin ?? '' })),
      };
    }),
});
