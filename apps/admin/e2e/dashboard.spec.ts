// The dashboard in a real browser against the built app, a runtime and lms-sim.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Locator, type Page, test } from '@playwright/test';
import { createTestDatabase } from '@tether/db/testing';
import { freePort } from '@tether/http/testing';
import { hydrated, shot, signIn } from './browser';
import { ADMIN } from './global-setup';

const sim = () => process.env.SIM_URL!;
const runtime = () => process.env.RUNTIME_URL!;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 800 };

/** The page never scrolls sideways: wide content (tables, code, long IDs) wraps or scrolls in its own box. */
async function expectNoSidewaysOverflow(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => {
    const e = document.scrollingElement!;
    return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
  });
  expect(scrollWidth, `${new URL(page.url()).pathname} is ${scrollWidth}px wide in a ${clientWidth}px window`).toBeLessThanOrEqual(clientWidth);
}

/**
 * Every field error shown in `scope`: one style (the FieldError component's class and colour),
 * a sentence (capital first, full stop last), and named by its invalid field's aria-describedby.
 */
async function expectFieldErrors(scope: Page | Locator, fields: string[]) {
  const errors = scope.locator('.field-error');
  await expect(errors.first()).toBeVisible();
  expect((await errors.evaluateAll((els) => els.map((e) => e.getAttribute('data-error-for')))).sort()).toEqual([...fields].sort());
  for (const e of await errors.all()) {
    await expect(e).toHaveText(/^[A-Z].*[.!?]$/s);
    expect(await e.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(180, 35, 24)');
    const field = scope.locator(`[aria-describedby~="${await e.getAttribute('id')}"]`);
    await expect(field).toHaveCount(1);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
  }
}

/** Controls (links, buttons, fields) under a toast: what the first non-toast element is at points across each toast. */
function controlsUnderToasts(page: Page): Promise<{ toasts: number; covered: string[] }> {
  return page.evaluate(() => {
    const covered = new Set<string>();
    const toasts = [...document.querySelectorAll('.toast')].map((t) => t.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
    for (const r of toasts) {
      for (let i = 0; i <= 6; i++) {
        for (let j = 0; j <= 3; j++) {
          const x = r.left + 1 + ((r.width - 2) * i) / 6;
          const y = r.top + 1 + ((r.height - 2) * j) / 3;
          const under = document.elementsFromPoint(x, y).find((el) => !el.closest('.toasts'));
          const control = under?.closest('a[href], button, input, select, textarea, summary, label');
          if (control) covered.add(control.outerHTML.slice(0, 120));
        }
      }
    }
    return { toasts: toasts.length, covered: [...covered] };
  });
}

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
  await signIn(page, ADMIN);
  const headers = (await page.request.get('/settings/lti')).headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
});

test('copies an endpoint URL', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: process.env.ADMIN_URL! });
  await signIn(page, ADMIN);
  await page.getByRole('button', { name: 'Copy OIDC login initiation URL' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${runtime()}/lti/login`);
  await shot(page, '02-lti-settings');
});

test('manual connection: a validation error, then success', async ({ page }) => {
  await signIn(page, ADMIN);
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
  await signIn(page, ADMIN);
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

  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Troubleshooting' }).click();
  // No scenario_id at all is its own code (scenario_not_found is for one that names no scenario here).
  await expect(page.getByTestId('recent-launches')).toContainText('scenario_id_missing');
  await shot(page, '06-troubleshooting');
  await page.getByLabel('Correlation ID').fill(correlationId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page.getByTestId('launch-status')).toContainText('scenario_id_missing');
  await expect(page.getByTestId('fix')).toContainText('scenario_id');
  await expect(page.getByTestId('timeline')).toContainText('Signature verified');
  await shot(page, '07-launch-timeline');
});

test('scenarios: create one and copy its LTI custom property', async ({ page }) => {
  await signIn(page, ADMIN);
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
  await signIn(page, ADMIN);
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
  await signIn(page, ADMIN);
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

test('rosters: a course seen at launch lists who launched, then its synced roster, with a truthful active count', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Rosters' }).click();
  await hydrated(page);
  await expect(page.getByTestId('active-rule')).toContainText('Active members are listed as active by the course’s latest roster sync, or launched from the course');
  const course = page.getByTestId('roster-course').filter({ hasText: 'Simulated Course 101' });
  // The learner who launched (the graded attempt above) is a member before any roster sync: not "0 active".
  await expect(course.getByTestId('member-counts')).toContainText('1 active');
  await expect(course.getByTestId('member-counts')).toContainText('Roster never synced');
  const ada = course.getByTestId('roster-members').locator('tbody tr', { hasText: 'Ada Lovelace' });
  await expect(ada).toContainText('Learner');
  await expect(ada).toContainText('active');
  await expect(ada).toContainText('launched; not on a synced roster');
  await expect(ada).toContainText(/seconds? ago|minutes? ago|now/);
  await shot(page, '11-rosters-before-sync');

  await course.getByRole('button', { name: 'Sync roster' }).click();
  await expect(course.getByTestId('member-counts')).toContainText(/Last sync\s*done/i, { timeout: 20_000 });
  await expect(ada).toContainText('on the roster');
  await expect(course.getByTestId('member-counts')).toContainText('1 active');
  await expect(page.getByTestId('roster-syncs')).toContainText('done');
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

test('every form shows its field errors as sentences, in one style, tied to the field', async ({ page }) => {
  // Sign-in, before signing in.
  await page.goto('/login');
  await hydrated(page);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectFieldErrors(page, ['email', 'password']);
  await expect(page.locator('[data-error-for="email"]')).toHaveText('Enter your email address, like ada@example.edu.');

  await signIn(page, ADMIN);
  // New scenario: the API's lowercase messages ("title is required") read as sentences.
  await page.goto('/scenarios');
  await hydrated(page);
  await page.getByLabel('Slug').fill('No spaces!');
  await page.getByRole('button', { name: 'Create scenario' }).click();
  const newScenario = page.locator('section', { has: page.getByRole('heading', { name: 'New scenario' }) });
  await expectFieldErrors(newScenario, ['title', 'slug']);
  await expect(newScenario.locator('[data-error-for="title"]')).toHaveText('Title is required.');
  await shot(page, '13-scenario-form-errors');

  // Edit a scenario: a slug another scenario has.
  await page.getByRole('link', { name: 'Night shift handover' }).click();
  await expect(page.getByRole('heading', { name: 'Night shift handover', level: 1 })).toBeVisible();
  await page.getByLabel('Slug').fill('fire-drill');
  await page.getByRole('button', { name: 'Save' }).click();
  await expectFieldErrors(page, ['slug']);
  await expect(page.locator('[data-error-for="slug"]')).toHaveText('The slug "fire-drill" is already used by the scenario "Fire drill".');

  // API keys: the error that used to be unstyled.
  await page.goto('/settings/api-keys');
  await hydrated(page);
  await page.getByRole('button', { name: 'Create key' }).click();
  await expectFieldErrors(page, ['name']);

  // The manual LMS connection.
  await page.goto('/settings/lti');
  await hydrated(page);
  const form = page.locator('section', { has: page.getByRole('heading', { name: 'Manual LMS connection' }) });
  await form.getByLabel('Issuer').fill('not a url');
  await form.getByRole('button', { name: 'Connect LMS' }).click();
  await expectFieldErrors(form, ['name', 'issuer', 'clientId', 'deploymentIds', 'authLoginUrl', 'tokenUrl', 'jwksUrl']);
  await expect(form.locator('[data-error-for="issuer"]')).toHaveText('Issuer must be an https:// URL (http:// only for local testing).');
});

for (const [label, viewport] of [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const) {
  test(`toasts never cover a control: every Copy button on the LTI settings page, ${label} width`, async ({ browser }) => {
    const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await signIn(page, ADMIN);
    const copies = page.getByRole('button', { name: /^Copy / });
    expect(await copies.count()).toBeGreaterThanOrEqual(4);
    for (const copy of await copies.all()) {
      await copy.scrollIntoViewIfNeeded();
      // A click the toast of the previous one intercepted would fail here.
      await copy.click();
      await expect(page.locator('.toast').last()).toContainText('copied');
      expect(await controlsUnderToasts(page)).toEqual({ toasts: expect.any(Number), covered: [] });
      await expect(copy).toBeVisible();
    }
    // Scrolled to the top and to the bottom too.
    for (const y of [0, 100_000]) {
      await page.evaluate((top) => window.scrollTo(0, top), y);
      expect((await controlsUnderToasts(page)).covered).toEqual([]);
    }
    // What the admin sees: the toast beside the page, the Copy buttons free.
    await page.evaluate(() => window.scrollTo(0, 0));
    await copies.nth(1).click();
    await expect(page.locator('.toast').last()).toContainText('Launch URL (redirect URI) copied');
    await page.screenshot({ path: `test-results/screenshots/14-toast-${label}.png` });
    await context.close();
  });
}

test('scenarios: archive hides one from the list and the deep-linking picker; unarchive brings it back', async ({ page, context }) => {
  await signIn(page, ADMIN);
  await page.goto('/scenarios');
  await hydrated(page);
  await page.getByLabel('Title').fill('Retired drill');
  await page.getByRole('button', { name: 'Create scenario' }).click();
  const list = page.getByTestId('scenarios');
  await expect(list).toContainText('Retired drill');

  // Archive from the list.
  await page.getByRole('button', { name: 'Archive Retired drill' }).click();
  await expect(list).not.toContainText('Retired drill');
  await expect(page.getByLabel(/Show archived/)).not.toBeChecked();
  await page.getByLabel(/Show archived/).check();
  await expect(page).toHaveURL(/archived=1/);
  const row = list.locator('tbody tr', { hasText: 'Retired drill' });
  await expect(row).toContainText('Archived');
  await shot(page, '15-scenarios-archived');

  // The deep-linking picker offers the others only.
  const instructor = await context.newPage();
  await instructor.goto(`${sim()}/launch?client_id=e2e-client&as=instructor&type=deep_linking`);
  await expect(instructor.getByRole('heading', { name: 'Choose a scenario' })).toBeVisible();
  await expect(instructor.locator('#scenarios')).toContainText('Fire drill');
  await expect(instructor.locator('#scenarios')).not.toContainText('Retired drill');
  await instructor.close();

  // Its page says it is archived, and unarchives it.
  await row.getByRole('link', { name: 'Retired drill' }).click();
  await expect(page.getByRole('heading', { name: 'Retired drill', level: 1 })).toBeVisible();
  await expect(page.getByTestId('archived-notice')).toContainText('launches into it are refused');
  await shot(page, '15-scenario-archived');
  await page.getByRole('button', { name: 'Unarchive' }).click();
  await expect(page.getByTestId('archived-notice')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Archive scenario' })).toBeVisible();
  await page.goto('/scenarios');
  await expect(page.getByTestId('scenarios')).toContainText('Retired drill');
});

test('every page at desktop and phone width: no sideways scrolling, the favicon, no 404, a screenshot', async ({ browser }) => {
  const admin = await browser.newContext({ viewport: DESKTOP });
  const setupPage = await admin.newPage();
  await signIn(setupPage, ADMIN);
  await setupPage.goto('/scenarios');
  const scenarioPath = await setupPage.getByRole('link', { name: 'Fire drill' }).getAttribute('href');
  await setupPage.goto('/troubleshooting');
  const launchPath = await setupPage.getByTestId('recent-launches').locator('tbody tr a').first().getAttribute('href');
  await admin.close();

  const signedOut: [string, string][] = [['sign-in', '/login']];
  const signedIn: [string, string][] = [
    ['lti-settings', '/settings/lti'],
    ['scenarios', '/scenarios?archived=1'],
    ['scenario', scenarioPath!],
    ['troubleshooting', '/troubleshooting'],
    ['launch', launchPath!],
    ['grades', '/grades'],
    ['rosters', '/rosters'],
    ['api-keys', '/settings/api-keys'],
    ['not-found', '/no-such-page'],
  ];
  for (const viewport of [DESKTOP, PHONE]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 404 && r.url().startsWith(process.env.ADMIN_URL!) && !r.url().includes('/no-such-page')) missing.push(r.url());
    });
    const visit = async (name: string, path: string) => {
      await page.goto(path);
      await hydrated(page);
      await page.waitForLoadState('networkidle');
      await expectNoSidewaysOverflow(page);
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(icon).toMatch(/favicon\.svg$/);
      await shot(page, `${name}-${viewport.width}`);
    };
    for (const [name, path] of signedOut) await visit(name, path);
    await signIn(page, ADMIN);
    for (const [name, path] of signedIn) await visit(name, path);
    const favicon = await page.request.get('/favicon.svg');
    expect(favicon.status()).toBe(200);
    expect(favicon.headers()['content-type']).toContain('image/svg+xml');
    expect(missing).toEqual([]);
    await context.close();
  }
});

test('first run: setup shows the password rule up front, then lands on sign-in with a welcome and the email filled in', async ({ browser }) => {
  // A dashboard of its own on an empty database: the shared one already has its admin.
  const db = await createTestDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, ['build/index.js'], {
    cwd: join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      TETHER_SECRET: 'e2e-first-run-'.padEnd(48, 'x'),
      TETHER_DATA_DIR: await mkdtemp(join(tmpdir(), 'tether-e2e-setup-')),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      ORIGIN: url,
      PUBLIC_URL: runtime(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const onData = (d: Buffer) => {
        log += d.toString();
        if (/Listening/.test(log)) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => reject(new Error(`dashboard exited (${code}):\n${log}`)));
    });
    for (const viewport of [DESKTOP, PHONE]) {
      const context = await browser.newContext({ viewport, baseURL: url });
      const page = await context.newPage();
      await page.goto('/setup');
      await hydrated(page);
      // The rule is on the page before anything fails, and it is the one the form enforces.
      const password = page.getByLabel('Password');
      const hint = page.locator('#password-hint');
      await expect(hint).toHaveText(/^Use at least \d+ characters\./);
      await expect(password).toHaveAttribute('aria-describedby', 'password-hint');
      await expectNoSidewaysOverflow(page);
      await shot(page, `setup-${viewport.width}`);
      await context.close();
    }

    const context = await browser.newContext({ viewport: DESKTOP, baseURL: url });
    const page = await context.newPage();
    await page.goto('/setup');
    await hydrated(page);
    const min = Number((await page.locator('#password-hint').textContent())!.match(/at least (\d+)/)![1]);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expectFieldErrors(page, ['workspace', 'name', 'email', 'password']);
    await page.getByLabel('Workspace name').fill('Northwind Labs');
    await page.getByLabel('Your name').fill('Eve Example');
    await page.getByLabel('Email').fill('eve@northwind.test');
    await page.getByLabel('Password').fill('x'.repeat(min - 1));
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expectFieldErrors(page, ['password']);
    await expect(page.locator('[data-error-for="password"]')).toHaveText(`This password is too short. Use at least ${min} characters.`);
    await expect(page.getByLabel('Email')).toHaveValue('eve@northwind.test');
    await shot(page, 'setup-errors-1280');

    const secret = 'a long enough first password';
    await page.getByLabel('Password').fill(secret);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await expect(page).toHaveURL(`${url}/login`);
    await hydrated(page);
    await expect(page.getByTestId('setup-done')).toHaveText('Workspace “Northwind Labs” created. Sign in as eve@northwind.test.');
    await expect(page.getByLabel('Email')).toHaveValue('eve@northwind.test');
    await expect(page.getByLabel('Password')).toHaveValue('');
    await expect(page.getByLabel('Password')).toBeFocused();
    expect(await page.content()).not.toContain(secret);
    await shot(page, 'sign-in-after-setup-1280');
    // Said once: a reload is the plain sign-in page.
    await page.reload();
    await expect(page.getByTestId('setup-done')).toHaveCount(0);
    await page.getByLabel('Email').fill('eve@northwind.test');
    await page.getByLabel('Password').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'LTI 1.3' })).toBeVisible();
    await expect(page.locator('.side .who')).toContainText('Northwind Labs');
    await context.close();
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    await db.close();
  }
});

// Last: it needs the runtime to refuse archived scenarios (apps/runtime/src/routes/launch.ts).
test('a launch into an archived scenario is refused with scenario_archived, and troubleshooting says how to fix it', async ({ page, context }) => {
  await signIn(page, ADMIN);
  await page.goto('/scenarios');
  await hydrated(page);
  await page.getByLabel('Title').fill('Old induction');
  await page.getByRole('button', { name: 'Create scenario' }).click();
  await page.getByRole('button', { name: 'Archive Old induction' }).click();
  await expect(page.getByTestId('scenarios')).not.toContainText('Old induction');

  const learner = await context.newPage();
  await learner.goto(`${sim()}/launch?client_id=e2e-client&as=learner&scenario_id=old-induction`);
  await expect(learner.getByRole('heading', { name: "We couldn't launch this activity" })).toBeVisible();
  await expect(learner.locator('body')).toContainText('This scenario is no longer available. Please ask your instructor.');
  const correlationId = await learner.getByLabel('Correlation ID').inputValue();
  await learner.close();

  await page.goto(`/troubleshooting/${correlationId}`);
  await expect(page.getByTestId('launch-status')).toContainText('scenario_archived');
  await expect(page.getByTestId('fix')).toContainText('unarchive the scenario in Scenarios');
  await expect(page.getByTestId('fix')).toContainText('relink the activity');
});
