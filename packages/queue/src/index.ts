// The durable job queue (pg-boss on Tether's own PostgreSQL). The runtime runs the workers;
// the dashboard only enqueues (e.g. "Retry" on a failed grade passback).
export * from './passback-queue.js';
export * from './roster-queue.js';
export {
  PGBOSS_SCHEMA,
  createQueueWorker,
  kyselyBossDb,
  startJobQueue,
  type JobQueue,
  type JobQueueOptions,
  type QueueWorker,
  type QueueWorkerOptions,
} from './pg-boss.js';
export * from './queue-names.js';
export * from './orphaned-passbacks.js';
