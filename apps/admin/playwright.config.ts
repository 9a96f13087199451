import { defineConfig } from '@playwright/test';

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
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
      ], // every test server is on 127.0.0.1: Chromium's local-network checks would block the LMS frame's hops,
    },
  },
});
