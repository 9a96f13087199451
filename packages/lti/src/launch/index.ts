export * from './launch-checks.js';
export * from './launch-record.js';
