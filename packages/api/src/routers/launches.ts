// Troubleshooting: a launch (or a dynamic registration) by its correlation ID, told truthfully —
// the real outcome (a landed launch whose later request was refused is a failure), the inputs
// the LMS sent, every step under one human label and every recorded code in the catalogue's
// words — plus the recent-launches list and the overview counts (registrations left out).
import {
  canonicalCorrelationId,
  countLaunchesPerDay,
  findLaunchDetail,
  findUnansweredLogin,
  listLaunchEvents,
  listRecentLaunches,
  REGISTRATION_MESSAGE_TYPE,
  topErrorCodes,
} from '@tether/db';
import { type CatalogueEntry, explainOrUnknown } from '@tether/errors';
import { safeText } from '@tether/lti';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { fieldError } from '../errors.js';
import { adminProcedure, createTRPCRouter } from '../trpc.js';
import { idSchema, iso, isoOrNull } from '../util.js';
import { explainRecorded, type RecordedExplanation } from './failure-help.js';

/** The one catalogue's words for a recorded error code (launch, deep linking, registration, grade, roster …). */
const explanationOf = (code: string | null): CatalogueEntry | null => (code ? explainOrUnknown(code) : null);

/**
 * Every step the runtime records on a timeline, in words (apps/runtime, packages/db). One map:
 * `launch-steps.test.ts` fails when the runtime records a step that has no label here.
 */
export const STEP_LABELS: Readonly<Record<string, string>> = Object.freeze({
  // 1. login
  login_received: 'Login initiation received',
  platform_resolved: 'Platform identified',
  target_link_uri: 'Target link checked',
  auth_redirect: 'Sent to the LMS to authenticate',
  frame_check: 'Cookie check in the LMS frame',
  // 2. launch
  launch_received: 'Launch received',
  state: 'Browser state checked',
  signature: 'Signature verified',
  claims: 'Claims checked',
  deployment: 'Deployment checked',
  message_type: 'Message type and target checked',
  scenario: 'Scenario resolved',
  deep_link_picker: 'Deep-linking picker',
  // 3–5. provision, land
  provisioning: 'Learner provisioned',
  landed: 'Landed on the scenario',
  handoff: 'Handed off to the scenario player',
  failed: 'Refused: error page shown',
  // the deep-linking picker's answer
  deep_link_session: 'Picker session checked',
  deep_link_response: 'Picker answer sent to the LMS',
  // dynamic registration
  registration_received: 'Registration opened',
  registration_url: 'Registration URL checked',
  platform_configuration: 'LMS configuration fetched',
  registration_request: 'Registered with the LMS',
  platform_saved: 'Connection saved',
  // grade passback
  grade_received: 'Grade received',
  grade_skipped: 'Grade skipped',
  grade_queued: 'Grade queued',
  grade_lineitem_found: 'Grade column found in the LMS',
  grade_lineitem_created: 'Grade column created in the LMS',
  grade_resumed: 'Grade delivery resumed',
  grade_sent: 'Grade sent',
  grade_retry: 'Grade retry scheduled',
  grade_failed: 'Grade failed',
  // refused before any hop
  rate_limit: 'Rate limit',
  request_limits: 'Request size limits',
  internal: 'Internal error',
});

/** A step's label; a step this dashboard does not know (a newer runtime) in plain words. */
export function stepLabel(step: string): string {
  if (Object.hasOwn(STEP_LABELS, step)) return STEP_LABELS[step] as string;
  const words = step.replace(/[_.]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : step;
}

const MESSAGE_TYPE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  LtiResourceLinkRequest: 'Resource link launch (a learner opening an activity)',
  LtiDeepLinkingRequest: 'Deep-linking request (an instructor choosing a scenario)',
  [REGISTRATION_MESSAGE_TYPE]: 'Dynamic registration',
});
const messageTypeLabel = (t: string) => (Object.hasOwn(MESSAGE_TYPE_LABELS, t) ? (MESSAGE_TYPE_LABELS[t] as string) : t);

/** "…/membership#Instructor" → "Instructor", "…/membership/Instructor#TeachingAssistant" → "Teaching assistant". */
const roleName = (uri: string) => {
  const tail = uri.slice(Math.max(uri.lastIndexOf('#'), uri.lastIndexOf('/')) + 1) || uri;
  return tail.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ (\w)/g, (m) => m.toLowerCase());
};

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

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * A replay is recorded with the login's events again (they lead every timeline written for
 * that login): an event identical to an earlier one is shown once.
 */
function withoutRepeats(events: EventRow[]): EventRow[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const key = JSON.stringify([e.step, e.outcome, e.error_code, e.created_at.getTime(), e.duration_ms, e.details]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const CUSTOM_CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/custom';

/** The scenario_id the launch sent: known once its claims were read (value null: it sent none). */
interface SubmittedScenario {
  known: boolean;
  value: string | null;
}

function submittedScenarioOf(events: EventRow[]): SubmittedScenario {
  const claims = events.find((e) => e.step === 'claims' && e.outcome === 'ok');
  if (claims) return { known: true, value: str(obj(obj(obj(claims.details).claims)[CUSTOM_CLAIM]).scenario_id)?.trim() ?? null };
  // The scenario step records what it looked for when it refused (a cookie-less launch's claims may be elsewhere).
  const refused = events.find((e) => e.step === 'scenario' && e.outcome === 'error' && 'scenario_id' in obj(e.details));
  if (refused) return { known: true, value: str(obj(refused.details).scenario_id) };
  return { known: false, value: null };
}

/** What the admin reads for a code: the catalogue's words, made exact where the timeline knows more. */
function explainCode(code: string, recordedMessage: string | null, scenario: SubmittedScenario): RecordedExplanation {
  const e = explainRecorded(code, recordedMessage);
  if ((code === 'scenario_not_found' || code === 'scenario_id_missing') && scenario.known) {
    return scenario.value
      ? {
          ...e,
          admin: `Scenario '${scenario.value}' was not found in this workspace: the launch's custom parameter scenario_id names no scenario here (a typo, a renamed or deleted scenario, or one of another workspace).`,
          fix: `Set the activity's custom parameter in the LMS to scenario_id=<slug> of a scenario of this workspace (copy it from the scenario's page), or create a scenario with the slug '${scenario.value}'.`,
        }
      : {
          ...e,
          admin: 'The launch sent no custom parameter scenario_id: the activity is not linked to a scenario yet.',
          fix: 'In the LMS activity settings, add the custom parameter scenario_id=<slug> — copy it from the scenario page in the dashboard.',
        };
  }
  return e;
}

/** The message an event recorded with its code (the runtime's own words: a note, an LMS message). */
const recordedMessageOf = (e: EventRow | undefined) => (e ? (str(obj(e.details).message) ?? str(obj(e.details).note)) : null);

function eventView(e: EventRow, scenario: SubmittedScenario) {
  return {
    id: String(e.id),
    step: e.step,
    label: stepLabel(e.step),
    outcome: e.outcome,
    errorCode: e.error_code,
    durationMs: e.duration_ms === null ? null : Number(e.duration_ms),
    details: e.details,
    at: iso(e.created_at),
    // Every recorded code, an error or not (a grade retry is info with the code that caused it).
    explanation: e.error_code ? explainCode(e.error_code, recordedMessageOf(e), scenario) : null,
  };
}

/** How a refusal after a landing reads: "Landed, then a replay was refused". */
const REFUSED_AFTER: Readonly<Record<string, string>> = Object.freeze({
  nonce_replayed: 'a replay was refused',
  deep_link_already_sent: 'a second answer from the picker was refused',
});

type Outcome = 'landed' | 'failed' | 'started';

interface Summary {
  /** The real outcome: a landed launch whose last request was refused is `failed`. */
  outcome: Outcome;
  headline: string;
  errorCode: string | null;
  explanation: RecordedExplanation | null;
  /** The launch had landed (or opened the picker) before the refusal the summary is about. */
  refusedAfterLanding: boolean;
}

function summarise(
  l: { status: Outcome; error_code: string | null; message_type: string | null },
  events: EventRow[],
  scenario: SubmittedScenario,
  opts: { registration: boolean; unanswered?: boolean },
): Summary {
  const errorEventOf = (code: string | null) => [...events].reverse().find((e) => e.outcome === 'error' && e.error_code === code && e.step !== 'failed');
  if (l.status === 'started') {
    return {
      outcome: 'started',
      headline: opts.unanswered ? 'Waiting for the LMS to answer the login' : 'In progress',
      errorCode: null,
      explanation: null,
      refusedAfterLanding: false,
    };
  }
  if (l.status === 'failed') {
    const code = l.error_code;
    return {
      outcome: 'failed',
      headline: opts.registration ? 'Registration failed' : 'Failed',
      errorCode: code,
      explanation: code ? explainCode(code, recordedMessageOf(errorEventOf(code)), scenario) : null,
      refusedAfterLanding: false,
    };
  }
  const landed = opts.registration ? 'Registered' : l.message_type === 'LtiDeepLinkingRequest' ? 'Opened the scenario picker' : 'Landed';
  // The learner's (or instructor's) last request: grade deliveries are the tool's, not theirs.
  const last = events.filter((e) => !e.step.startsWith('grade_')).at(-1);
  if (!opts.registration && last?.outcome === 'error' && last.error_code) {
    const code = last.error_code;
    return {
      outcome: 'failed',
      headline: `${landed}, then ${REFUSED_AFTER[code] ?? `a later request was refused (${code})`}`,
      errorCode: code,
      explanation: explainCode(code, recordedMessageOf(errorEventOf(code)), scenario),
      refusedAfterLanding: true,
    };
  }
  return { outcome: 'landed', headline: landed, errorCode: null, explanation: null, refusedAfterLanding: false };
}

/** What a registration's timeline tells beyond its row (a failed one has no platform yet). */
export function registrationFacts(row: { issuer: string | null; client_id: string | null }, events: ReadonlyArray<{ step: string; details: unknown }>) {
  const details = (step: string) => obj(events.find((e) => e.step === step)?.details);
  const opened = details('registration_received');
  const config = details('platform_configuration');
  const registered = details('registration_request');
  return {
    issuer: row.issuer ?? str(config.issuer),
    clientId: row.client_id ?? str(registered.client_id),
    deploymentId: str(registered.deployment_id),
    /** The LMS's openid_configuration URL, as it opened the registration URL. */
    openidConfiguration: str(opened.openid_configuration),
    productFamily: str(config.product_family),
    productVersion: str(config.product_version),
  };
}

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
  // A cookie-less launch may have recorded its first events already (they include the login's).
  const shown = withoutRepeats(events.length > 0 ? events : loginEvents);
  const scenario = submittedScenarioOf(shown);
  return {
    kind: 'launch' as const,
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
    summary: summarise({ status: 'started', error_code: null, message_type: null }, shown, scenario, { registration: false, unanswered: true }),
    inputs: { messageType: null, deploymentId: null, resourceLink: null, roles: [] as { uri: string; name: string }[], scenarioId: scenario },
    registration: null,
    events: shown.map((e) => eventView(e, scenario)),
  };
}

export const launchesRouter = createTRPCRouter({
  /**
   * A launch (or a dynamic registration: `kind`) of this workspace by its correlation ID — in
   * any letter case, braced or without hyphens — with its real outcome, the inputs the LMS
   * sent, its timeline and plain-words explanations.
   */
  byCorrelationId: adminProcedure.input(z.object({ correlationId: safeText({ max: 200, min: 1, trim: true, label: 'correlation ID' }) })).query(async ({ ctx, input }) => {
    const correlationId = canonicalCorrelationId(input.correlationId);
    const [l, rows] = await Promise.all([findLaunchDetail(ctx.db, ctx.workspace.id, correlationId), listLaunchEvents(ctx.db, ctx.workspace.id, correlationId)]);
    if (!l) {
      const login = await findUnansweredLogin(ctx.db, ctx.workspace.id, correlationId);
      if (login) return unansweredLoginView(login, rows);
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `launch ${correlationId} not found in this workspace (launches from an unconnected LMS have no workspace)`,
      });
    }
    const events = withoutRepeats(rows);
    const registration = l.message_type === REGISTRATION_MESSAGE_TYPE;
    const scenario: SubmittedScenario = registration ? { known: false, value: null } : submittedScenarioOf(events);
    const claims = obj(events.find((e) => e.step === 'claims' && e.outcome === 'ok')?.details);
    const messageType = l.message_type ?? str(claims.message_type);
    const deploymentId = l.deployment_id ?? str(claims.deployment_id);
    return {
      kind: registration ? ('registration' as const) : ('launch' as const),
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
      summary: summarise(l, events, scenario, { registration }),
      /** What the LMS sent that decides a launch (null for a registration). */
      inputs: registration
        ? null
        : {
            messageType: messageType ? { value: messageType, label: messageTypeLabel(messageType) } : null,
            deploymentId,
            resourceLink: l.resource_link_id || l.resource_link_title ? { id: l.resource_link_id, title: l.resource_link_title } : null,
            roles: l.roles.map((uri) => ({ uri, name: roleName(uri) })),
            /** The custom parameter scenario_id as sent (it may name no scenario of this workspace). */
            scenarioId: scenario,
          },
      registration: registration ? registrationFacts(l, events) : null,
      events: events.map((e) => eventView(e, scenario)),
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
        /** A landed launch whose later request was refused (a replay): that refusal's code. */
        refusedAfterLanding: r.refused_after_landing,
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
