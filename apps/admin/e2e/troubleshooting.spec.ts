// Troubleshooting tells the truth, in a real browser against the built dashboard, a runtime and
// lms-sim: registrations have their own history and view, a wrong scenario_id is named, a
// correlation ID is found in any letter case, a replay after a landing is shown as a failure,
// steps have human labels, and the Grades API refuses a grade for a deep-linking launch.
import { expect, type Page, test } from '@playwright/test';
import { hydrated, shot, signIn } from './browser';
import { ADMIN } from './global-setup';

const sim = () => process.env.SIM_URL!;
const runtime = () => process.env.RUNTIME_URL!;

/** Opens a launch from lms-sim in a new tab; returns the tool's answer to the launch post (status and correlation ID) and the form it posted. */
async function launchFromSim(page: Page, query: string) {
  const learner = await page.context().newPage();
  const posted = learner.waitForRequest((r) => r.method() === 'POST' && r.url() === `${runtime()}/lti/launch`);
  const answered = learner.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${runtime()}/lti/launch`);
  await learner.goto(`${sim()}/launch?${query}`);
  const [request, response] = await Promise.all([posted, answered]);
  const result = { status: response.status(), correlationId: response.headers()['x-correlation-id']!, form: request.postData()!, learner };
  expect(result.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  return result;
}

const shotOf = (page: Page, name: string) => shot(page, `troubleshooting-${name}`);

test.describe.configure({ mode: 'serial' });

test('setup: the sim LMS is connected by hand', async ({ page }) => {
  await signIn(page, ADMIN);
  const cfg = (await (await fetch(`${sim()}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Manual LMS connection' }) });
  await form.getByLabel('Platform name').fill('Sim LMS');
  await form.getByLabel('Issuer').fill(cfg.issuer!);
  await form.getByLabel('Client ID').fill('e2e-client');
  await form.getByLabel('Deployment ID(s)').fill('e2e-deployment');
  await form.getByLabel('Authentication request URL').fill(cfg.authorization_endpoint!);
  await form.getByLabel('Access token URL').fill(cfg.token_endpoint!);
  await form.getByLabel('Public keyset URL').fill(cfg.jwks_uri!);
  await form.getByRole('button', { name: 'Connect LMS' }).click();
  await expect(page.getByTestId('connected-lms')).toContainText('Sim LMS');
});

test('registrations: their own history on the LTI page, their own view, and no launch anywhere', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: process.env.ADMIN_URL! });
  await signIn(page, ADMIN);
  await page.getByRole('button', { name: 'Generate registration URL' }).click();
  const url = await page.getByTestId('registration-url').getByRole('textbox').inputValue();
  const lms = await context.newPage();
  await lms.goto(`${sim()}/start-registration?url=${encodeURIComponent(url)}`);
  await expect(lms.getByRole('heading', { name: /Tether is connected/ })).toBeVisible();
  const clientId = (await lms.locator('code').first().textContent())!.trim();
  // The LMS opens the same one-time URL again: refused, and recorded.
  await lms.goto(`${sim()}/start-registration?url=${encodeURIComponent(url)}`);
  await lms.close();

  await page.reload();
  // The newest two (the dashboard spec may have registered before, in this same workspace).
  const history = page.getByTestId('registration-history');
  await expect(history.locator('tbody tr').nth(1)).toBeVisible();
  await expect(history.locator('tbody tr').nth(0)).toContainText('failed');
  await expect(history.locator('tbody tr').nth(0)).toContainText('registration_url_used');
  await expect(history.locator('tbody tr').nth(1)).toContainText('registered');
  // The registered LMS has had no launch yet.
  const registered = page.getByTestId('connected-lms').locator('tbody tr', { hasText: clientId });
  await expect(registered).toContainText('never');
  await expect(registered).toContainText('0 in 7 days');
  await shotOf(page, '01-registration-history');

  // The failed registration's own view: titled Registration, only the fields that apply.
  await history.locator('tbody tr').nth(0).getByRole('link', { name: 'Timeline' }).click();
  await expect(page).toHaveURL(/\/troubleshooting\/[0-9a-f-]{36}$/);
  const registrationCid = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Registration');
  await expect(page.getByTestId('launch-status')).toContainText('Registration failed');
  await expect(page.getByTestId('what-went-wrong')).toBeVisible();
  const summary = page.getByTestId('summary');
  await expect(summary).toContainText('Registration failed');
  for (const launchRow of ['Learner', 'Roles', 'Course', 'Resource link', 'Scenario', 'Deployment']) await expect(summary).not.toContainText(launchRow);
  await expect(page.getByTestId('timeline')).toContainText('Registration URL checked');
  await shotOf(page, '02-registration-view');

  // Registrations are no launches: not in the list (the counts are checked in packages/api's troubleshooting test).
  await page.goto('/troubleshooting');
  await expect(page.locator('h1')).toContainText('Troubleshooting');
  await expect(page.locator(`main a[href*="${registrationCid}"]`)).toHaveCount(0);
});

test('a wrong scenario_id is named, and the correlation ID is found in upper case', async ({ page }) => {
  const { correlationId, learner } = await launchFromSim(page, 'client_id=e2e-client&as=learner&scenario_id=nite-shift');
  await expect(learner.getByRole('heading', { name: "We couldn't launch this activity" })).toBeVisible();
  await expect(learner.locator('body')).not.toContainText('not linked to a scenario yet');
  await learner.close();

  await signIn(page, ADMIN);
  await page.goto('/troubleshooting');
  await page.getByLabel('Correlation ID').fill(correlationId.toUpperCase());
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page).toHaveURL(new RegExp(`/troubleshooting/${correlationId}$`));
  await expect(page.getByTestId('launch-status')).toContainText('scenario_not_found');
  await expect(page.getByTestId('scenario-id')).toContainText('nite-shift');
  await expect(page.getByTestId('scenario-id')).toContainText('not found in this workspace');
  await expect(page.getByTestId('explanation')).toContainText("Scenario 'nite-shift' was not found in this workspace");
  await expect(page.getByTestId('what-went-wrong')).not.toContainText('not linked to a scenario yet');
  const summary = page.getByTestId('summary');
  await expect(summary).toContainText('Resource link launch');
  await expect(summary).toContainText('e2e-deployment');
  await expect(summary).toContainText('Learner');
  await shotOf(page, '03-wrong-scenario-id');
});

test('a replay after a landing is a failure: “Landed, then a replay was refused”', async ({ page }) => {
  const first = await launchFromSim(page, 'client_id=e2e-client&as=learner&scenario_id=fire-drill');
  expect(first.status).toBe(303);
  await expect(first.learner.getByRole('heading', { name: 'Fire drill' })).toBeVisible();
  // The browser posts the same launch again (back button, a double submit).
  const replay = await first.learner.request.post(`${runtime()}/lti/launch`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    data: first.form,
    maxRedirects: 0,
  });
  expect(replay.headers()['x-tether-error']).toBe('nonce_replayed');
  await first.learner.close();

  await signIn(page, ADMIN);
  await page.goto(`/troubleshooting/${first.correlationId}`);
  await expect(page.getByTestId('launch-status')).toContainText('Landed, then a replay was refused');
  await expect(page.getByTestId('what-went-wrong')).toContainText('nonce_replayed');
  await expect(page.getByTestId('explanation')).toContainText('replayed');
  await expect(page.getByTestId('timeline')).toContainText('Refused: error page shown');
  await shotOf(page, '04-replay');
  await page.goto('/troubleshooting');
  await expect(page.getByTestId('recent-launches').locator('tr', { hasText: first.correlationId })).toContainText('then nonce_replayed');
});

test("an instructor's deep-linking launch: human step labels, and the Grades API refuses a grade for it, writing nothing", async ({ page }) => {
  const dl = await launchFromSim(page, 'client_id=e2e-client&as=instructor&type=deep_linking');
  expect(dl.status).toBe(303);
  await dl.learner.close();

  await signIn(page, ADMIN);
  await page.goto(`/troubleshooting/${dl.correlationId}`);
  await expect(page.getByTestId('launch-status')).toContainText('Opened the scenario picker');
  const timeline = page.getByTestId('timeline');
  await expect(timeline).toContainText('Deep-linking picker');
  await expect(timeline.locator('strong', { hasText: 'deep_link_picker' })).toHaveCount(0);
  await expect(page.getByTestId('summary')).toContainText('Deep-linking request');

  await page.goto('/settings/api-keys');
  await hydrated(page);
  await page.getByLabel('Key name').fill('Scenario player');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.locator('#new-key').inputValue();
  const res = await page.request.post(`${runtime()}/api/v1/grades`, {
    headers: { authorization: `Bearer ${key}` },
    data: { launch: dl.correlationId, attemptId: 'e2e-dl-attempt', scorePercent: 80 },
  });
  expect(res.status()).toBe(422);
  expect(((await res.json()) as { error: { code: string; reason: string } }).error).toMatchObject({ code: 'ags_not_available', reason: 'not_resource_link' });
  await page.goto('/grades');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('main')).not.toContainText('e2e-dl-attempt'); // nothing written (the dashboard spec's grades may be listed)
});
