// The dashboard in a real browser against the built app, a runtime and lms-sim.
import { expect, type Page, test } from '@playwright/test';

const ADMIN = { email: 'ada@acme.test', password: 'correct horse battery staple' };
const sim = () => process.env.SIM_URL!;
const runtime = () => process.env.RUNTIME_URL!;

async function hydrated(page: Page) {
  await page.waitForSelector('html[data-hydrated="true"]');
}

async function signIn(page: Page) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'LTI 1.3' })).toBeVisible();
  await hydrated(page);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

test.describe.configure({ mode: 'serial' });

test('sign-in refuses a wrong password, then lets the admin in', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await hydrated(page);
  await shot(page, '01-sign-in');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await signIn(page);
  const headers = (await page.request.get('/settings/lti')).headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
});

test('copies an endpoint URL', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: process.env.ADMIN_URL! });
  await signIn(page);
  await page.getByRole('button', { name: 'Copy OIDC login initiation URL' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${runtime()}/lti/login`);
  await shot(page, '02-lti-settings');
});

test('manual connection: a validation error, then success', async ({ page }) => {
  await signIn(page);
  const cfg = (await (await fetch(`${sim()}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Manual LMS connection' }) });
  await form.getByLabel('Platform name').fill('Sim LMS');
  await form.getByLabel('Issuer').fill('not a url');
  await form.getByLabel('Client ID').fill('e2e-client');
  await form.getByLabel('Deployment ID(s)').fill('e2e-deployment');
  await form.getByLabel('Authentication request URL').fill(cfg.authorization_endpoint!);
  await form.getByLabel('Access token URL').fill(cfg.token_endpoint!);
  await form.getByLabel('Public keyset URL').fill(cfg.jwks_uri!);
  await form.getByRole('button', { name: 'Connect LMS' }).click();
  await expect(form.locator('[data-error-for="issuer"]')).toBeVisible();
  await expect(form.getByLabel('Issuer')).toHaveAttribute('aria-invalid', 'true');
  await shot(page, '03-manual-connection-error');

  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(form.getByTestId('connection-test')).toContainText('Keyset reachable');
  await form.getByLabel('Issuer').fill(cfg.issuer!);
  await form.getByRole('button', { name: 'Connect LMS' }).click();
  const table = page.getByTestId('connected-lms');
  await expect(table).toContainText('Sim LMS');
  await expect(table).toContainText('e2e-deployment');
});

test('dynamic registration through lms-sim, then the LMS is listed', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: process.env.ADMIN_URL! });
  await signIn(page);
  await page.getByRole('button', { name: 'Generate registration URL' }).click();
  const field = page.getByTestId('registration-url');
  await expect(field).toContainText('valid for 59 min');
  const url = await field.getByRole('textbox').inputValue();
  expect(url).toMatch(/\/lti\/register\?token=/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  // The LMS admin pastes it into the LMS, which opens it with its configuration.
  const lms = await context.newPage();
  await lms.goto(`${sim()}/start-registration?url=${encodeURIComponent(url)}`);
  await expect(lms.getByRole('heading', { name: /Tether is connected/ })).toBeVisible();
  await shot(lms, '04-registration-complete');
  await lms.close();

  await page.reload();
  await expect(page.getByTestId('connected-lms').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('connected-lms')).toContainText('Dynamic registration');
});

test('a failing launch is found by its correlation ID with the right explanation', async ({ page, context }) => {
  // A learner opens an activity that has no scenario_id: the runtime shows the error page.
  const learner = await context.newPage();
  await learner.goto(`${sim()}/launch?client_id=e2e-client&as=learner`);
  await expect(learner.getByRole('heading', { name: "We couldn't launch this activity" })).toBeVisible();
  const correlationId = await learner.getByLabel('Correlation ID').inputValue();
  expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
  await shot(learner, '05-learner-error-page');
  await learner.close();

  await signIn(page);
  await page.getByRole('link', { name: 'Troubleshooting' }).click();
  await expect(page.getByTestId('recent-launches')).toContainText('scenario_not_found');
  await shot(page, '06-troubleshooting');
  await page.getByLabel('Correlation ID').fill(correlationId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByTestId('launch-status')).toContainText('scenario_not_found');
  await expect(page.getByTestId('fix')).toContainText('scenario_id');
  await expect(page.getByTestId('timeline')).toContainText('Signature verified');
  await shot(page, '07-launch-timeline');
});

test('scenarios: create one and copy its LTI custom property', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Scenarios' }).click();
  await hydrated(page);
  await page.getByLabel('Title').fill('Night shift handover');
  await expect(page.getByLabel('Slug')).toHaveValue('night-shift-handover');
  await page.getByRole('button', { name: 'Create scenario' }).click();
  await page.getByRole('link', { name: 'Night shift handover' }).click();
  await expect(page.locator('#custom-param')).toHaveValue('scenario_id=night-shift-handover');
  await shot(page, '08-scenario');
});

test('a Member sees the admins-only page, and the API refuses them too', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill('max@acme.test');
  await page.getByLabel('Password').fill('another long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  const res = await page.request.get('/api/trpc/platforms.list');
  expect(res.status()).toBe(403);
});

test('the LTI settings page works on a tablet', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 820, height: 1180 } });
  const page = await context.newPage();
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Connected LMSes' })).toBeVisible();
  await shot(page, '09-lti-settings-tablet');
  await context.close();
});

test('a graded attempt reaches the LMS gradebook and shows in passback and the launch timeline', async ({ page, context }) => {
  // A learner launches an activity linked to a scenario.
  const learner = await context.newPage();
  await learner.goto(`${sim()}/launch?client_id=e2e-client&as=learner&scenario_id=fire-drill`);
  await expect(learner.getByRole('heading', { name: 'Fire drill' })).toBeVisible();
  await learner.close();

  // The admin creates an API key for the product.
  await signIn(page);
  await page.getByRole('link', { name: 'API keys' }).click();
  await hydrated(page);
  await page.getByLabel('Key name').fill('Scenario player');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.locator('#new-key').inputValue();
  expect(key).toMatch(/^tk_/);

  // The product reports a graded attempt for the launch (found under Troubleshooting).
  await page.goto('/troubleshooting?outcome=landed');
  const correlationId = (await page.getByTestId('recent-launches').locator('tbody tr').first().locator('a').textContent())!.trim();
  const res = await page.request.post(`${runtime()}/api/v1/grades`, {
    headers: { authorization: `Bearer ${key}` },
    data: { launch: correlationId, attemptId: 'e2e-attempt-1', scorePercent: 80 },
  });
  expect(res.status()).toBe(202);

  // The worker delivers it; the passback page and the timeline show it.
  await expect(async () => {
    await page.goto('/grades');
    await expect(page.getByTestId('grades')).toContainText('sent');
  }).toPass({ timeout: 20_000 });
  await shot(page, '10-grade-passback');
  await page.goto(`/troubleshooting/${correlationId}`);
  await expect(page.getByTestId('launch-grades')).toContainText('80 %');
  await expect(page.getByTestId('timeline')).toContainText('Grade sent');
});

test('rosters: a course seen at launch can be synced from the LMS roster', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Rosters' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Sync roster' }).first().click();
  await expect(page.locator('main')).toContainText(/done/i, { timeout: 20_000 });
  await shot(page, '11-rosters');
});

test('cookie-less launch in a real browser: the state travels through LTI platform storage', async ({ page }) => {
  // Third-party cookies blocked (as Safari does in an LMS iframe): whatever the tool's login
  // set is gone by the time the platform posts the launch back.
  await page.route(`${sim()}/auth?**`, async (route) => {
    await page.context().clearCookies();
    await route.continue();
  });
  await page.goto(`${sim()}/storage-launch?client_id=e2e-client&scenario_id=fire-drill`);
  const tool = page.frameLocator('iframe[name="tool"]');
  await expect(tool.getByRole('heading', { name: 'Fire drill' })).toBeVisible({ timeout: 20_000 });
  // The course page answered the tool's put_data at login and get_data at launch.
  await expect(page.locator('#log')).toContainText('lti.put_data state_');
  await expect(page.locator('#log')).toContainText('lti.get_data state_');
  await shot(page, '12-cookie-less-launch');
});
