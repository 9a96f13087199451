// The durable job queue (pg-boss on Tether's own PostgreSQL). The runtime runs the workers;
// the dashboard only enqueues (e.g. "Retry" on a failed grade passback).
export * from './passback-queue.js';
export * from './roster-queue.js';
