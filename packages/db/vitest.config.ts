import { defineConfig } from 'vitest/config';

// PGlite instances are heavy (initdb, ~700 MiB): few workers, generous timeouts.
export default defineConfig({
  test: { testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 2 },
});
