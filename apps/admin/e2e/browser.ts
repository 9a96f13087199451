// What every browser test here shares: Debian's Chromium and its flags, waiting for the
// dashboard to hydrate, signing in, and full-page screenshots into the test artifacts.
import { expect, type Page } from '@playwright/test';

/** Every test server is on this machine: Chromium's local-network checks would block the LMS frame's hops. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
];

/** Playwright cannot download browsers here: Debian's Chromium (`apt-get install chromium`). */
export const chromiumLaunchOptions = { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS };

export async function hydrated(page: Page) {
  await page.waitForSelector('html[data-hydrated="true"]');
}

/** Signs in on the dashboard at `origin` (default: the configured baseURL) and waits for its first page. */
export async function signIn(page: Page, admin: { email: string; password: string }, origin = '') {
  await page.goto(`${origin}/login`);
  await hydrated(page);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'LTI 1.3' })).toBeVisible();
  await hydrated(page);
}

/** A full-page screenshot, from the top (the sticky sidebar or top bar is drawn where the page is scrolled to). */
export async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}
