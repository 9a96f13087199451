import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/browser';

// The README's trial: the spec starts the product itself, with the README's own commands.
export default defineConfig({
  testDir: './trial',
  timeout: 8 * 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/trial',
  use: { screenshot: 'only-on-failure', trace: 'retain-on-failure', launchOptions: chromiumLaunchOptions },
});
