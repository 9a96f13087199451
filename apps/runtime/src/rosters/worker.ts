// The roster sync worker: `roster-sync` jobs from pg-boss, one sync each.
//
// Per job: the sync row goes `running` (a finished sync's redelivered job is a no-op) → the
// whole roster is read with fetchMemberships, following every `next` page up to
// ROSTER_MAX_PAGES, and each page is applied in its own transaction as it arrives
// (provisioning is idempotent) → finishRosterSync deactivates members the complete roster no
// longer lists (never after a truncated read).
//
// Differences: a sync finished un-truncated stores the `rel="differences"`
// URL it got. A SCHEDULED sync of a context whose last completed sync stored one reads that URL
// instead (`mode: 'differences'`): the changes since then, applied as usual (Active ⇒ active,
// Inactive/Deleted ⇒ inactive), nobody unseen deactivated; it stores the new differences URL.
// A differences URL answered with a 4xx (expired, forgotten) ⇒ a full read in the same try.
// An admin's sync is always a full read.
//
// Failures: `nrps_unavailable` (5xx, 429, network, timeout) and unexpected errors throw, so
// pg-boss fails the job and retries it with exponential backoff; the row goes back to
// `queued` with the error so the dashboard shows it. A retry reads from page 1 again. The last
// try, and permanent NrpsErrors (scope missing, not found, token refused, invalid response),
// mark the sync `failed` with the code.

import {
  applyRosterPage,
  type Database,
  failRosterSync,
  findPlatformAcrossWorkspaces,
  finishRosterSync,
  type Kysely,
  noteRosterRetry,
  rosterDifferencesSource,
  setRosterSyncMode,
  startRosterSync,
} from '@tether/db';
import { type RosterSyncErrorCode, TetherError, type TetherErrorOptions } from '@tether/errors';
import { fetchMemberships, isNrpsError, type NrpsError } from '@tether/lti';
import { createQueueWorker, ROSTER_QUEUE_NAME, type RosterJobData } from '@tether/queue';
import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { PlatformServiceTokens } from '../service-tokens.js';

export interface RosterWorkerOptions {
  db: Kysely<Database>;
  boss: PgBoss;
  /** Service tokens of a platform registration (the process's one connector). */
  serviceTokens: PlatformServiceTokens;
  logger: Logger;
  userAgent: string;
  maxPages: number;
  pollIntervalSec: number;
  fetch?: typeof fetch;
  /** Hosts allowed on private addresses (TETHER_DEV_INSECURE_HOSTS) — local test LMSes only. */
  allowPrivateHosts?: readonly string[];
}

/** A failure that is not an NrpsError but is known to be permanent. */
class RosterSyncError extends TetherError<RosterSyncErrorCode> {
  override name = 'RosterSyncError';

  constructor(code: RosterSyncErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A differences URL the platform answered with a 4xx (not 429): expired or unknown ⇒ read the full roster instead. */
function differencesRefused(e: unknown): e is NrpsError {
  return isNrpsError(e) && !e.retryable && e.status !== undefined && e.status >= 400 && e.status < 500;
}

export function createRosterWorker(o: RosterWorkerOptions) {
  const log = o.logger.child({ component: 'roster-worker' });
  const stats = { processed: 0, done: 0, failed: 0, retried: 0 };

  async function handle(job: PgBoss.JobWithMetadata<RosterJobData>): Promise<void> {
    const syncId = job.data?.syncId;
    if (typeof syncId !== 'string') return;
    stats.processed++;
    const sync = await startRosterSync(o.db, syncId);
    if (!sync) return; // finished already
    try {
      const platform = await findPlatformAcrossWorkspaces(o.db, sync.platform_id);
      if (!platform) throw new RosterSyncError('platform_not_found', 'The platform of this course was removed from Tether.');
      const tokens = o.serviceTokens(platform, sync.deployment_id);
      const read = (url: string) =>
        fetchMemberships(url, {
          tokens,
          userAgent: o.userAgent,
          maxPages: o.maxPages,
          ...(o.fetch ? { fetch: o.fetch } : {}),
          ...(o.allowPrivateHosts ? { allowPrivateHosts: o.allowPrivateHosts } : {}),
          onPage: async (page) => {
            await applyRosterPage(o.db, { sync, issuer: platform.issuer, members: page.members });
          },
        });
      {
        const differencesUrl = await rosterDifferencesSource(o.db, sync);
        let result: Awaited<ReturnType<typeof read>> | undefined;
        if (differencesUrl) {
          await setRosterSyncMode(o.db, sync.id, 'differences');
          try {
            result = await read(differencesUrl);
          } catch (e) {
            if (!differencesRefused(e)) throw e;
            log.info({ syncId, contextId: sync.context_id, status: e.status, code: e.code }, 'differences link refused; reading the full roster');
          }
        }
        if (!result) {
          if (differencesUrl || sync.mode !== 'full') await setRosterSyncMode(o.db, sync.id, 'full');
          result = await read(sync.memberships_url);
        }
        const done = await finishRosterSync(o.db, sync.id, { truncated: result.truncated, maxPages: o.maxPages, differencesUrl: result.differencesUrl });
        stats.done++;
        log.info(
          {
            syncId,
            contextId: sync.context_id,
            mode: done.mode,
            pages: result.pages,
            added: done.added,
            updated: done.updated,
            deactivated: done.deactivated,
            truncated: done.truncated,
          },
          'roster synced',
        );
      }
    } catch (e) {
      const permanent = e instanceof RosterSyncError || (isNrpsError(e) && !e.retryable);
      const code = e instanceof RosterSyncError || isNrpsError(e) ? e.code : 'internal_error';
      const message = (e as Error)?.message ?? String(e);
      const tryNumber = job.retryCount + 1;
      if (permanent || job.retryCount >= job.retryLimit) {
        await failRosterSync(o.db, sync.id, { code, message: permanent ? message : `${message} (gave up after ${tryNumber} ${tryNumber === 1 ? 'try' : 'tries'})` });
        stats.failed++;
        log.warn({ syncId, code }, `roster sync failed: ${code}`);
        return;
      }
      if (!isNrpsError(e)) log.warn({ err: e, syncId }, 'roster sync error');
      await noteRosterRetry(o.db, sync.id, { code, message: `${message} (try ${tryNumber} of ${job.retryLimit + 1}; retrying)` });
      stats.retried++;
      throw e; // pg-boss schedules the retry with backoff
    }
  }

  const jobs = createQueueWorker<RosterJobData>(o.boss, ROSTER_QUEUE_NAME, { concurrency: 1, pollIntervalSec: o.pollIntervalSec }, handle);

  return {
    start: () => jobs.start(),
    stop: () => jobs.stop(),
    /** New work from this process (after its transaction committed): fetch now instead of at the next poll. */
    wake: () => jobs.wake(),
    stats: () => ({ ...stats }),
  };
}

export type RosterWorker = ReturnType<typeof createRosterWorker>;
