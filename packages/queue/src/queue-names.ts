// The names of Tether's pg-boss queues: what the enqueuers and the runtime's workers agree on.

/** Grade passback delivery; a job's data is `{ passbackId }` only. */
export const PASSBACK_QUEUE_NAME = 'grade-passback';

/** Roster sync; a job's data is `{ syncId }` only. */
export const ROSTER_QUEUE_NAME = 'roster-sync';

/** Where the scheduled roster re-sync (cron) sends its ticks. */
export const ROSTER_RESYNC_QUEUE_NAME = 'roster-resync';

/** Where the scheduled retention job (cron) sends its ticks. */
export const RETENTION_QUEUE_NAME = 'retention';
