// The README's "Try it without an LMS", walked as a new user would: the README's own commands
// (`pnpm start`, `pnpm lms-sim`, `pnpm example:player`, on their default ports and the
// embedded database), the dashboard on both 127.0.0.1 and localhost, a launch, a launch that
// fails on purpose and is found by its correlation ID, and the hand-off into the example
// scenario player, which posts a grade that reaches the LMS's gradebook.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { hydrated, shot, signIn } from '../e2e/browser';

const root = join(import.meta.dirname, '../../..');
const DASHBOARD = 'http://localhost:3000';
const DASHBOARD_IP = 'http://127.0.0.1:3000';
const SIM = 'http://127.0.0.1:3100';
const PLAYER = 'http://localhost:3200';
const ADMIN = { workspace: 'Acme Training', name: 'Ada Admin', email: 'admin@acme.test', password: 'correct horse battery staple' };

/** A README command in its own process group, its output kept for the failure message. */
class Command {
  readonly child: ChildProcess;
  log = '';
  constructor(
    readonly line: string,
    env: Record<string, string>,
  ) {
    const [cmd, ...args] = line.split(' ');
    this.child = spawn(cmd!, args, { cwd: root, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (d: Buffer) => {
      this.log += d.toString();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  /** Resolves with the first match of `line` in the output; fails if the command exits first. */
  waitFor(line: RegExp, timeoutMs = 240_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = line.exec(this.log);
        if (m) {
          clearInterval(timer);
          resolve(m);
        } else if (this.child.exitCode !== null || Date.now() > deadline) {
          clearInterval(timer);
          reject(new Error(`\`${this.line}\` ${this.child.exitCode !== null ? `exited (${this.child.exitCode})` : 'did not get ready'} before printing ${line}:\n${this.log}`));
        }
      };
      const deadline = Date.now() + timeoutMs;
      const timer = setInterval(check, 200);
    });
  }

  /** Ctrl-C, as in a terminal: the whole process group gets SIGINT. */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    process.kill(-this.child.pid!, 'SIGINT');
    const force = setTimeout(() => process.kill(-this.child.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(force);
  }
}

/** The environment of a fresh terminal: none of the test runner's database or Tether settings. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(TETHER_|DATABASE_URL|NODE_ENV|ORIGIN|PORT|HOST|PUBLIC_URL)/.test(k)) env[k] = v;
  return env;
}

const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    }).on('error', () => resolve(false));
  });

/** The simulator's Quick launch for the one registered tool. */
async function quickLaunch(page: Page, scenario: string) {
  await page.goto(SIM);
  const form = page.getByTestId('quick-launch');
  await form.getByLabel('Scenario (custom scenario_id)').fill(scenario);
  await form.getByRole('button', { name: 'Launch as learner' }).click();
}

let dataDir: string;
const running: Command[] = [];
test.skip(!!process.env.TETHER_TEST_DATABASE_URL, 'the trial is the embedded engine, as the README runs it');

test.beforeAll(async () => {
  for (const port of [3000, 3001, 3100, 3200]) {
    if (await portTaken(port)) throw new Error(`Port ${port} is in use: the README's trial runs on the default ports 3000, 3001, 3100 and 3200.`);
  }
  dataDir = await mkdtemp(join(tmpdir(), 'tether-trial-'));
});

test.afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** `pnpm start` on the trial's own data directory (the README's uses .data/ at the repository root). */
async function startTether(extra: Record<string, string> = {}) {
  const tether = new Command('pnpm start', { TETHER_DATA_DIR: dataDir, ...extra });
  running.push(tether);
  const [, url] = await tether.waitFor(/Tether is ready\. Open the dashboard: (\S+)/);
  return { tether, url: url! };
}

test('the README trial: set up, connect the simulator, launch, fail one, look it up, hand off and grade', async ({ browser }: { browser: Browser }) => {
  // Terminal 1 and 2.
  let { tether, url } = await startTether();
  expect(url).toBe(`${DASHBOARD}/setup`);
  expect(tether.log).not.toMatch(/^Listening on http:\/\/127\.0\.0\.1/m); // one address to open, not the bind address
  const sim = new Command('pnpm lms-sim', {});
  running.push(sim);
  await sim.waitFor(/http:\/\/127\.0\.0\.1:3100/);

  // 1. Create the workspace — on 127.0.0.1, which the dashboard accepts outside production.
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${DASHBOARD_IP}/setup`);
  await hydrated(page);
  await page.getByLabel('Workspace name').fill(ADMIN.workspace);
  await page.getByLabel('Your name').fill(ADMIN.name);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByLabel('Email')).toHaveValue(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'LTI 1.3' })).toBeVisible();
  // …and on localhost, the address `pnpm start` prints.
  await signIn(page, ADMIN, DASHBOARD);

  // 2. A scenario.
  await page.goto(`${DASHBOARD}/scenarios`);
  await hydrated(page);
  await page.getByLabel('Title').fill('Fire drill');
  await page.getByLabel('Slug').fill('fire-drill');
  await page.getByRole('button', { name: 'Create scenario' }).click();
  await expect(page.getByRole('cell', { name: 'fire-drill' }).first()).toBeVisible();

  // 3. Connect the simulator by dynamic registration.
  await page.goto(`${DASHBOARD}/settings/lti`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Generate registration URL' }).click();
  const registrationUrl = await page.getByRole('textbox', { name: 'Registration URL' }).inputValue();
  expect(registrationUrl).toMatch(/^http:\/\/localhost:3001\/lti\/register\?token=/);
  const lms = await ctx.newPage();
  await lms.goto(SIM);
  await lms.getByLabel('Tool registration URL').fill(registrationUrl);
  await lms.getByRole('button', { name: 'Register' }).click();
  await expect(lms.getByRole('heading', { name: /Tether is connected to/ })).toBeVisible();
  await shot(lms, 'trial-1-registered');

  // 4. Launch as a learner into fire-drill.
  await quickLaunch(lms, 'fire-drill');
  await expect(lms.getByRole('heading', { name: 'Fire drill' })).toBeVisible();
  await expect(lms.getByText('Welcome, Ada Lovelace')).toBeVisible();
  await shot(lms, 'trial-2-landed');

  // 5. Fail one on purpose, and find it by its correlation ID (typed in capitals: lookups ignore case).
  await quickLaunch(lms, 'no-such-scenario');
  const correlationId = await lms.getByRole('textbox', { name: 'Correlation ID' }).inputValue();
  // The learner is told the scenario was not found — not that the activity names none.
  await expect(lms.getByRole('alert')).toContainText('could not be found');
  await expect(lms.getByRole('alert')).not.toContainText('not linked');
  expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
  await shot(lms, 'trial-3-failed');
  await page.goto(`${DASHBOARD}/troubleshooting`);
  await hydrated(page);
  await page.getByLabel('Correlation ID').fill(correlationId.toUpperCase());
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(page).toHaveURL(new RegExp(correlationId, 'i'));
  await expect(page.getByText('scenario_not_found').first()).toBeVisible();
  await expect(page.getByText('no-such-scenario').first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'What went wrong' })).toBeVisible();
  await shot(page, 'trial-4-looked-up');

  // 6. An API key, the example player, and Tether restarted with SCENARIO_PLAYER_URL.
  await page.goto(`${DASHBOARD}/settings/api-keys`);
  await hydrated(page);
  await page.getByLabel('Key name').fill('Scenario player');
  await page.getByRole('button', { name: 'Create key' }).click();
  const apiKey = await page.getByRole('textbox', { name: 'New API key' }).inputValue();
  expect(apiKey).toMatch(/^tk_/);
  const player = new Command('pnpm example:player', { TETHER_API_KEY: apiKey });
  running.push(player);
  await player.waitFor(/3200/);
  await tether.stop();
  ({ tether, url } = await startTether({ SCENARIO_PLAYER_URL: PLAYER }));
  expect(url).toBe(DASHBOARD);

  // An activity with a gradebook column, by deep linking as the instructor.
  await lms.goto(SIM);
  await lms.getByTestId('deep-link-launch').getByRole('button', { name: 'Add content (deep linking)' }).click();
  await lms.getByLabel(/Fire drill/).check();
  await lms.getByRole('button', { name: 'Add to course' }).click();
  await expect(lms.getByTestId('content-added')).toContainText('Fire drill');
  await lms.getByRole('link', { name: 'Back to the course' }).click();
  await lms.getByTestId('activity').filter({ hasText: 'Fire drill' }).getByRole('button', { name: 'Launch as learner' }).click();

  // Tether lands the learner and posts the signed launch context to the player.
  await expect(lms.getByRole('heading', { name: 'Playing fire-drill as Ada Lovelace' })).toBeVisible();
  await expect(lms).toHaveURL(new RegExp(`^${PLAYER}`));
  await shot(lms, 'trial-5-player');
  await lms.getByLabel('Score (%)').fill('80');
  await lms.getByRole('button', { name: 'Send score' }).click();
  await expect(lms.getByRole('heading', { name: 'Score sent' })).toBeVisible();

  // The grade reaches the LMS's gradebook (the passback worker delivers it within seconds).
  await expect(async () => {
    await lms.goto(SIM);
    await expect(lms.getByTestId('gradebook')).toContainText('Ada Lovelace: 80 / 100', { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await shot(lms, 'trial-6-gradebook');
  await ctx.close();
});
