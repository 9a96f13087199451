// The grade passback worker: `grade-passback` jobs from pg-boss (the queue worker fetches
// them in batches and runs up to GRADE_WORKER_CONCURRENCY at once), one passback each.
//
// Per job: load the passback (a passback no longer `queued` is a no-op, so redeliveries are
// harmless) → claim its key (still the best? else skipped as superseded; another passback of
// the key being sent? wait) → resolve the line item (the launch's, or found/created in the
// launch's container for the resource link) and its scoreMaximum → post the scaled score with
// the timestamp fixed at the first claim → mark `sent` with the LMS status and the timeline
// event in one transaction; the queue worker then completes the job (with the others that
// finished meanwhile: a redelivered job of a sent passback is a no-op). The AGS client is made
// per delivery on the process's service connector, so every delivery (and the roster sync)
// shares a platform's cached token. A line item and maximum already known (cached) are stored
// with the claim, so a first try costs: the load (one statement), the claim (one statement
// when it succeeds), the POST, the outcome (one statement: the passback, its key row and the
// timeline).
//
// Failures: retryable AgsErrors (5xx, 429, network) and unexpected errors fail the job in
// pg-boss, which retries it with exponential backoff (retryLimit / retryDelay of the queue);
// the timeline gets `grade_retry` with the try number and the delay. Permanent AgsErrors
// (scope missing, line item gone, token refused after the client's own refresh, request
// rejected) mark the passback `failed` with the code and complete the job. When the process
// dies mid-job, pg-boss hands the job out again once it expires (GRADE_JOB_EXPIRE_SEC).
import { randomUUID } from 'node:crypto';
import { AGS_SCOPES, type AgsClient, type AgsErrorCode, createAgsClient, isAgsError, scaleScore } from '@tether/ags';
import {
  appendPassbackEvents,
  claimPassback,
  type Database,
  type GradePassback,
  type Kysely,
  loadPassbackWork,
  markPassbackFailed,
  markPassbackSent,
  type PassbackLaunch,
  type PassbackRef,
  type PassbackWork,
  type Platform,
  passbackRef,
  type ResolvedScore,
  recordPassbackRetry,
  releasePassbackLease,
  saveResolvedScore,
  setPassbackJob,
} from '@tether/db';
import { type PassbackErrorCode, TetherError, type TetherErrorOptions } from '@tether/errors';
import { createQueueWorker, findOrphanedPassbacks, kyselyBossDb, PASSBACK_QUEUE_NAME, type PassbackJobData, PGBOSS_SCHEMA } from '@tether/queue';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { PlatformDirectory } from '../platform-directory.js';
import type { ScenarioDirectory } from '../scenario-directory.js';
import type { PlatformServiceTokens } from '../service-tokens.js';

/** A failure found without an AGS call (or before one) that is known to be permanent. */
class PassbackError extends TetherError<PassbackErrorCode | AgsErrorCode> {
  override name = 'PassbackError';

  constructor(code: PassbackErrorCode | AgsErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, options);
  }
}

export interface GradeWorkerOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  /** Service tokens of a platform registration (the process's one connector). */
  serviceTokens: PlatformServiceTokens;
  userAgent: string;
  fetch?: typeof fetch;
  /** Hosts allowed on private addresses (TETHER_DEV_INSECURE_HOSTS) — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
  platforms: PlatformDirectory;
  scenarios: ScenarioDirectory;
  logger: Logger;
  concurrency: number;
  pollIntervalSec: number;
  /** The job expiry; also the length of a key's send lease. */
  leaseSec: number;
  maintenanceIntervalMs: number;
}

type Outcome = { kind: 'done' } | { kind: 'retry'; code: string; message: string; status: number | null } | { kind: 'defer' };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createGradeWorker(o: GradeWorkerOptions) {
  const log = o.logger.child({ component: 'grade-worker' });
  // Line items found or created for a resource link, and line item maxima (they rarely change).
  const lineItemByLink = new Map<string, string>();
  const resolving = new Map<string, Promise<string>>();
  const maxByLineItem = new Map<string, { max: number; expires: number }>();
  const MAX_TTL_MS = 10 * 60_000;

  let stopping = false;
  let maintenance: NodeJS.Timeout | undefined;
  const stats = { processed: 0, sent: 0, failed: 0, retried: 0, skipped: 0 };
  const jobs = createQueueWorker<PassbackJobData>(o.boss, PASSBACK_QUEUE_NAME, { concurrency: o.concurrency, pollIntervalSec: o.pollIntervalSec }, async (job) => {
    // Once this worker completed or failed the job itself, an error (recording the retry, say)
    // must not fail it a second time: it is logged, and the reconcile sweep catches the rest.
    const settled = { value: false };
    try {
      await handle(job, settled);
    } catch (e) {
      if (!settled.value) throw e; // pg-boss fails the job and retries it with backoff
      log.error({ err: e, jobId: job.id }, 'grade job handling failed');
    }
  });

  async function handle(job: PgBoss.JobWithMetadata<PassbackJobData>, settled: { value: boolean }) {
    const passbackId = job.data?.passbackId;
    if (typeof passbackId !== 'string') {
      log.warn({ jobId: job.id }, 'grade job without a passbackId: completed, nothing to do');
      return; // the queue worker completes it
    }
    stats.processed++;
    let work: PassbackWork | undefined;
    let outcome: Outcome;
    try {
      work = await loadPassbackWork(o.db, passbackId);
      outcome = work ? await deliver(work) : { kind: 'done' };
    } catch (e) {
      if (e instanceof PassbackError) {
        outcome = { kind: 'done' };
        if (work) await fail(passbackRef(work), e.code, e.message, null);
      } else if (isAgsError(e) && !e.retryable) {
        outcome = { kind: 'done' };
        if (work) {
          if (e.code === 'ags_lineitem_not_found' || e.code === 'ags_scope_missing') forgetLineItem(work);
          await fail(passbackRef(work), e.code, e.message, e.status ?? null, agsDetails(e));
        }
      } else if (isAgsError(e)) {
        outcome = { kind: 'retry', code: e.code, message: e.message, status: e.status ?? null };
      } else {
        log.warn({ err: e, passbackId }, 'grade passback error');
        outcome = { kind: 'retry', code: 'internal_error', message: (e as Error)?.message ?? String(e), status: null };
      }
    }

    settled.value = true;
    // Done: the queue worker completes the job (with the other jobs finished meanwhile).
    if (outcome.kind === 'done') return;
    if (outcome.kind === 'defer') {
      await defer(job, passbackId);
      return;
    }
    if (!work) {
      await o.boss.fail(PASSBACK_QUEUE_NAME, job.id, { code: outcome.code, message: outcome.message });
      return;
    }
    const ref = passbackRef(work);
    const tryNumber = job.retryCount + 1;
    if (job.retryCount >= job.retryLimit) {
      await fail(ref, outcome.code, `${outcome.message} (gave up after ${tryNumber} ${tryNumber === 1 ? 'try' : 'tries'})`, outcome.status);
      return; // completed by the queue worker
    }
    // Fail the job ourselves (pg-boss schedules the retry with its backoff), then read back when.
    await o.boss.fail(PASSBACK_QUEUE_NAME, job.id, { code: outcome.code, message: outcome.message });
    const again = await o.boss.getJobById<PassbackJobData>(PASSBACK_QUEUE_NAME, job.id);
    const next = again?.state === 'retry' ? new Date(again.startAfter) : null;
    stats.retried++;
    await recordPassbackRetry(o.db, ref, {
      code: outcome.code,
      message: outcome.message,
      attempt: tryNumber,
      nextAttemptAt: next,
      delaySec: next ? Math.max(0, Math.round((next.getTime() - Date.now()) / 100) / 10) : null,
      status: outcome.status,
    });
    log.info({ passbackId, correlationId: ref.correlationId, code: outcome.code, attempt: tryNumber, next }, 'grade passback will be retried');
  }

  async function fail(ref: PassbackRef, code: string, message: string, status: number | null, details?: Record<string, unknown>) {
    const changed = await markPassbackFailed(o.db, ref, { code, message, status, ...(details ? { details } : {}) });
    if (changed) stats.failed++;
    log.warn({ passbackId: ref.id, correlationId: ref.correlationId, code, status }, `grade passback failed: ${code}`);
  }

  /** Another passback of the key holds the send lease for longer than we wait: try again in a new job. */
  async function defer(job: PgBoss.JobWithMetadata<PassbackJobData>, passbackId: string) {
    const jobId = randomUUID();
    await o.db.transaction().execute(async (trx) => {
      await o.boss.send(PASSBACK_QUEUE_NAME, { passbackId }, { id: jobId, startAfter: 2, db: kyselyBossDb(trx) });
      await setPassbackJob(trx, passbackId, jobId);
      await o.boss.complete(PASSBACK_QUEUE_NAME, job.id, { deferredTo: jobId }, { db: kyselyBossDb(trx) });
    });
  }

  async function deliver(work: PassbackWork): Promise<Outcome> {
    if (work.passback.status !== 'queued') return { kind: 'done' }; // sent, skipped or failed already: idempotent
    const ref = passbackRef(work);
    const launch = work.launch;
    const entry = launch.platform_id ? await o.platforms.findById(launch.platform_id) : undefined;
    if (!entry) throw new PassbackError('platform_not_found', 'The platform of this launch no longer exists in Tether.');
    const platform = entry.platform;

    // Claim the key; while another passback of it is being sent (a lower score, moments
    // ago), wait a little: it usually finishes within a request's time.
    const waitUntil = Date.now() + Math.min(15_000, (o.leaseSec * 1000) / 3);
    // A line item and maximum already known are stored with the claim (no statement of their own).
    const claimOpts = { leaseSec: o.leaseSec, resolve: (p: GradePassback) => cachedResolution(platform.id, launch, p) };
    // The first try in one statement (the passback was just loaded); waits for a busy key use the transaction.
    let claim = await claimPassback(o.db, ref, { ...claimOpts, loaded: work.passback });
    for (let delay = 50; claim.kind === 'busy' && Date.now() < waitUntil && !stopping; delay = Math.min(delay * 2, 500)) {
      await sleep(delay);
      claim = await claimPassback(o.db, ref, claimOpts);
    }
    if (claim.kind === 'busy') return { kind: 'defer' };
    if (claim.kind === 'superseded') {
      stats.skipped++;
      return { kind: 'done' };
    }
    if (claim.kind === 'done') return { kind: 'done' };
    if (claim.passback.tries > 1 && !work.passback.error_code) {
      // The previous try neither finished nor failed: its process stopped mid-send and the
      // job came back after expiring. The score goes out again unchanged (same timestamp).
      await appendPassbackEvents(o.db, ref, [{ step: 'grade_resumed', outcome: 'info', details: { passbackId: ref.id, attempt: claim.passback.tries } }]);
    }

    try {
      const client = createAgsClient({
        tokens: o.serviceTokens(platform, launch.deployment_id),
        grantedScopes: launch.ags_scopes,
        userAgent: o.userAgent,
        ...(o.fetch ? { fetch: o.fetch } : {}),
        ...(o.allowPrivateHosts ? { allowPrivateHosts: o.allowPrivateHosts } : {}),
      });
      const p = claim.passback;
      let lineItemUrl = p.lineitem_url;
      let scoreGiven = p.score_given;
      let scoreMaximum = p.score_maximum;
      if (lineItemUrl === null || scoreGiven === null || scoreMaximum === null) {
        lineItemUrl ??= await resolveLineItem(client, platform, launch, ref);
        scoreMaximum = await lineItemMaximum(client, platform, launch, lineItemUrl);
        scoreGiven = scaleScore(p.score_percent, scoreMaximum);
        await saveResolvedScore(o.db, p.id, { lineitemUrl: lineItemUrl, scoreGiven, scoreMaximum });
      }
      const res = await client.postScore(lineItemUrl, {
        userId: p.lti_sub,
        scoreGiven,
        scoreMaximum,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: claim.timestamp.toISOString(),
        submission: { submittedAt: work.submittedAt.toISOString() },
      });
      await markPassbackSent(o.db, ref, { lmsStatus: res.status, timestamp: claim.timestamp, lineitemUrl: lineItemUrl, scoreGiven, scoreMaximum });
      stats.sent++;
      log.info({ passbackId: p.id, correlationId: ref.correlationId, lmsStatus: res.status, scoreGiven, scoreMaximum }, 'grade sent');
      return { kind: 'done' };
    } catch (e) {
      // The caller records the failure or the retry, which gives the lease back; make sure
      // it is released even if recording fails.
      await releasePassbackLease(o.db, ref.id).catch(() => undefined);
      throw e;
    }
  }

  /** The passback's line item and scaled score when both are known without asking the LMS. */
  function cachedResolution(platformId: string, launch: PassbackLaunch, p: GradePassback): ResolvedScore | undefined {
    const lineitemUrl = p.lineitem_url ?? launch.ags_lineitem_url ?? lineItemByLink.get(linkKey(platformId, launch));
    if (!lineitemUrl) return undefined;
    const scoreMaximum = p.score_maximum ?? cachedMaximum(platformId, launch, lineitemUrl);
    if (scoreMaximum === undefined) return undefined;
    return { lineitemUrl, scoreMaximum, scoreGiven: p.score_given ?? scaleScore(p.score_percent, scoreMaximum) };
  }

  function cachedMaximum(platformId: string, launch: PassbackLaunch, url: string): number | undefined {
    if (!launch.ags_scopes.includes(AGS_SCOPES.lineItem) && !launch.ags_scopes.includes(AGS_SCOPES.lineItemReadonly)) return 100;
    const hit = maxByLineItem.get(JSON.stringify([platformId, url]));
    return hit && hit.expires > Date.now() ? hit.max : undefined;
  }

  const linkKey = (platformId: string, launch: PassbackLaunch) => JSON.stringify([platformId, launch.ags_lineitems_url, launch.resource_link_id]);

  function forgetLineItem(work: PassbackWork) {
    const l = work.launch;
    if (l.platform_id) lineItemByLink.delete(linkKey(l.platform_id, l));
    if (work.passback.lineitem_url) maxByLineItem.delete(JSON.stringify([l.platform_id, work.passback.lineitem_url]));
  }

  async function resolveLineItem(client: AgsClient, platform: Platform, launch: PassbackLaunch, ref: PassbackRef): Promise<string> {
    if (launch.ags_lineitem_url) return launch.ags_lineitem_url;
    const container = launch.ags_lineitems_url;
    if (!container || !launch.resource_link_id) throw new PassbackError('ags_not_available', 'The launch gave no line item and no line items URL with a resource link.');
    const key = linkKey(platform.id, launch);
    const cached = lineItemByLink.get(key);
    if (cached) return cached;
    // Concurrent passbacks for one resource link share one lookup (and one timeline entry).
    const running = resolving.get(key);
    if (running) return running;
    const promise = findLineItem(client, platform, launch, launch.resource_link_id, ref, container, key).finally(() => resolving.delete(key));
    resolving.set(key, promise);
    return promise;
  }

  async function findLineItem(
    client: AgsClient,
    platform: Platform,
    launch: PassbackLaunch,
    resourceLinkId: string,
    ref: PassbackRef,
    container: string,
    key: string,
  ): Promise<string> {
    const scopes = launch.ags_scopes;
    let url: string;
    if (scopes.includes(AGS_SCOPES.lineItem)) {
      const scenario = launch.workspace_id && launch.scenario_id ? await o.scenarios.byId(launch.workspace_id, launch.scenario_id) : undefined;
      const label = launch.resource_link_title ?? scenario?.title ?? 'Tether activity';
      const { lineItem, created } = await client.findOrCreateLineItem(container, { resourceLinkId: resourceLinkId, label, scoreMaximum: 100 });
      url = lineItem.id;
      maxByLineItem.set(JSON.stringify([platform.id, url]), { max: lineItem.scoreMaximum, expires: Date.now() + MAX_TTL_MS });
      await appendPassbackEvents(o.db, ref, [
        {
          step: created ? 'grade_lineitem_created' : 'grade_lineitem_found',
          outcome: 'info',
          details: { passbackId: ref.id, lineItem: url, label: lineItem.label, scoreMaximum: lineItem.scoreMaximum, resourceLinkId: resourceLinkId },
        },
      ]);
    } else if (scopes.includes(AGS_SCOPES.lineItemReadonly)) {
      const items = await client.listLineItems(container, { resourceLinkId: resourceLinkId });
      const match = items.find((li) => li.resourceLinkId === resourceLinkId);
      if (!match)
        throw new PassbackError(
          'ags_lineitem_not_found',
          `No line item for resource link ${resourceLinkId} in ${container}, and the lineitem scope (to create one) was not granted.`,
        );
      url = match.id;
    } else {
      throw new PassbackError(
        'ags_scope_missing',
        `The launch gave only the line items URL; finding or creating the line item needs scope ${AGS_SCOPES.lineItem}, which was not granted.`,
      );
    }
    if (lineItemByLink.size > 10_000) lineItemByLink.clear();
    lineItemByLink.set(key, url);
    return url;
  }

  async function lineItemMaximum(client: AgsClient, platform: Platform, launch: PassbackLaunch, url: string): Promise<number> {
    const key = JSON.stringify([platform.id, url]);
    // Without a line item scope the column cannot be read: post on a 100-point scale (AGS
    // platforms scale a score by its own scoreMaximum). cachedMaximum says so.
    const known = cachedMaximum(platform.id, launch, url);
    if (known !== undefined) return known;
    const li = await client.getLineItem(url);
    if (maxByLineItem.size > 10_000) maxByLineItem.clear();
    maxByLineItem.set(key, { max: li.scoreMaximum, expires: Date.now() + MAX_TTL_MS });
    return li.scoreMaximum;
  }

  /** Queued passbacks whose job is gone (or finished without them): re-queue, or fail when the job gave up. */
  async function reconcile() {
    const orphans = await findOrphanedPassbacks(o.db, { schema: PGBOSS_SCHEMA, olderThanSec: Math.max(60, o.leaseSec * 2) });
    for (const orphan of orphans) {
      const work = await loadPassbackWork(o.db, orphan.id);
      if (work?.passback.status !== 'queued') continue;
      if (orphan.jobState === 'failed') {
        await fail(passbackRef(work), 'job_failed', 'The delivery job failed without recording a result (the runtime stopped while sending, on every try).', null);
        continue;
      }
      const jobId = randomUUID();
      await o.db.transaction().execute(async (trx) => {
        await o.boss.send(PASSBACK_QUEUE_NAME, { passbackId: orphan.id }, { id: jobId, db: kyselyBossDb(trx) });
        await setPassbackJob(trx, orphan.id, jobId);
      });
      log.warn({ passbackId: orphan.id, jobState: orphan.jobState, jobId }, 'grade passback had no live job: re-queued');
    }
    if (orphans.length) jobs.wake();
  }

  return {
    async start() {
      stopping = false;
      await jobs.start();
      const runReconcile = () => void reconcile().catch((e) => log.warn({ err: e }, 'grade passback reconcile failed'));
      runReconcile();
      maintenance = setInterval(runReconcile, o.maintenanceIntervalMs);
      maintenance.unref();
    },
    /** New work from this process (after its transaction committed): fetch now instead of at the next poll. */
    wake: () => jobs.wake(),
    /** Finishes the jobs in hand (up to timeoutMs), then returns; fetches nothing new. */
    async stop(timeoutMs = 20_000) {
      stopping = true;
      if (maintenance) clearInterval(maintenance);
      await jobs.stop(timeoutMs);
    },
    stats: () => ({ ...stats }),
  };
}

function agsDetails(e: { details: Readonly<Record<string, unknown>> }): Record<string, unknown> {
  const d = e.details;
  const pick: Record<string, unknown> = {};
  for (const k of ['url', 'status', 'error', 'error_description', 'body', 'needed', 'granted', 'reason']) if (d[k] !== undefined) pick[k] = d[k];
  return Object.keys(pick).length ? { lms: pick } : {};
}

export type GradeWorker = ReturnType<typeof createGradeWorker>;
