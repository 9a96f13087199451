export { createApp } from './app.js';
export { loadConfig, type RuntimeConfig } from './config.js';
export { createDeps, type RuntimeDeps } from './deps.js';
export { startRuntime, type RunningRuntime } from './server.js';
