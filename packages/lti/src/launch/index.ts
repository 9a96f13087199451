export * from './launch-checks.js';
export * from './launch-record.js';
export * from './login-path.js';
