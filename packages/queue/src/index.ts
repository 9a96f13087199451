// The durable job queue (pg-boss on Tether's own PostgreSQL). The runtime runs the workers;
// the dashboard only enqueues (e.g. "Retry" on a failed grade passback).

export * from './orphaned-passbacks.js';
export * from './passback-queue.js';
export { type JobQueue, type JobQueueOptions, kyselyBossDb, PGBOSS_SCHEMA, startJobQueue } from './pg-boss.js';
export * from './queue-names.js';
export { createQueueWorker, type QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export * from './roster-queue.js';
