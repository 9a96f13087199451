// Every test spawns CLI processes (tsx, then a database): seconds each alone, far more on a loaded 2-core CI machine.
import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { testTimeout: 180_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 2 } });
