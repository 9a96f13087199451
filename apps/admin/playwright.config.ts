import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/browser';

// Runs against the BUILT dashboard, a runtime and lms-sim, all started by global-setup.
export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.ADMIN_URL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
});
