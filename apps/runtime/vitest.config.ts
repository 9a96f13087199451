import { defineConfig } from 'vitest/config';
// Each file shares one database and one runtime; PGlite is heavy, so keep workers few.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 2, include: ['test/**/*.test.ts'] } });
