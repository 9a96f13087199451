export { createApp } from './app.js';
export { loadConfig, type RuntimeConfig } from './config.js';
export { createDeps, type RuntimeDeps } from './deps.js';
export { type RunningRuntime, startRuntime } from './server.js';
