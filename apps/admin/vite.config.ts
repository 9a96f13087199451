import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [sveltekit()],
  // Workspace packages ship TypeScript sources: bundle them into the server build. PGlite
  // loads its WASM and data files next to its own module, so it (and the drivers) stay external.
  ssr: { noExternal: [/^@tether\//], external: ['@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg', 'kysely', 'better-auth', 'pg-boss'] },
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks', maxWorkers: 2 },
});
