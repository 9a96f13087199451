import { defineConfig } from '@playwright/test';

// The trial starts the product itself, with the README's commands (see trial.spec.ts).
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 8 * 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Everything runs on this machine: Chromium's local-network checks would block the LMS's hops.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
      ],
    },
  },
});
