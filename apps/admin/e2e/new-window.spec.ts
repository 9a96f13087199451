// "The first ten minutes", in a real Chromium: the LMS (lms-sim, generic mode: no platform
// storage) frames the tool, and the browser refuses the tool every cookie in that frame —
// third-party cookies, partitioned (CHIPS) ones too, as Safari does. The login finds out before
// the platform round trip and shows "Open in a new window"; the button starts a fresh login at
// the top level of a new window, and the launch lands there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, expect, test } from '@playwright/test';
import { createKysely, createPlatform, type Database, findPlatformsByIssuer, findWorkspaceBySlug, type Kysely } from '@tether/db';
import { chromiumLaunchOptions, shot } from './browser';

const sim = () => process.env.SIM_URL!;
const runtime = () => process.env.RUNTIME_URL!;
const port = (url: string) => new URL(url).port;
/**
 * The course page's host: the LMS on `localhost`, the tool on `127.0.0.1` — two sites, so the
 * tool is third-party in the frame (ports do not make sites). Both are secure contexts.
 */
const lmsPage = () => `http://localhost:${port(sim())}`;
const COURSE = () => `${lmsPage()}/e2e-course`;

let db: Kysely<Database>;
const contexts: BrowserContext[] = [];
const profiles: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  db = createKysely(process.env.E2E_DATABASE_URL!, 2);
  // The dashboard spec connects lms-sim through the UI; alone, this spec connects it itself.
  const cfg = (await (await fetch(`${sim()}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  if ((await findPlatformsByIssuer(db, cfg.issuer!, 'e2e-client')).length === 0) {
    const ws = await findWorkspaceBySlug(db, 'acme');
    await createPlatform(
      db,
      {
        workspace_id: ws!.id,
        name: 'Sim LMS',
        issuer: cfg.issuer!,
        client_id: 'e2e-client',
        auth_login_url: cfg.authorization_endpoint!,
        token_url: cfg.token_endpoint!,
        jwks_url: cfg.jwks_uri!,
        registered_via: 'manual',
        deployment_policy: 'strict',
      },
      ['e2e-deployment'],
      'manual',
    );
  }
});

test.afterAll(async () => {
  for (const c of contexts) await c.close();
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  await db?.destroy();
});

/**
 * A Chromium profile that blocks third-party cookies and, for the tool embedded on the LMS's
 * site, every cookie — partitioned ones included (a site exception: CHIPS survives the general
 * third-party block, not this). The tool at the top level (the new window) keeps its cookies.
 */
async function browserWithoutFrameCookies(block: boolean): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-e2e-chromium-'));
  profiles.push(dir);
  if (block) {
    mkdirSync(join(dir, 'Default'));
    const exception = `http://127.0.0.1:${port(runtime())},http://localhost:${port(sim())}`;
    const prefs = { profile: { block_third_party_cookies: true, cookie_controls_mode: 1, content_settings: { exceptions: { cookies: { [exception]: { setting: 2 } } } } } };
    writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify(prefs));
  }
  const context = await chromium.launchPersistentContext(dir, { ...chromiumLaunchOptions, headless: true });
  contexts.push(context);
  // The LMS course page: lms-sim's own launch (its auto-posting login form) in a frame.
  await context.route(COURSE(), (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><title>Course — Fire drill</title><h1>Course</h1>
<iframe name="tool" title="tool" src="${lmsPage()}/launch?client_id=e2e-client&scenario_id=fire-drill" style="width:100%;height:560px;border:1px solid #ccc"></iframe>`,
    }),
  );
  return context;
}

async function eventsOf(correlationId: string) {
  return db.selectFrom('launch_events').select(['step', 'outcome', 'details']).where('correlation_id', '=', correlationId).orderBy('id').execute();
}

test('control: with frame cookies allowed, the framed launch checks the cookie and goes on in the frame', async () => {
  const context = await browserWithoutFrameCookies(false);
  const page = await context.newPage();
  const launched = page.waitForResponse((r) => r.url() === `${runtime()}/lti/launch` && r.request().method() === 'POST');
  await page.goto(COURSE());
  const res = await launched;
  expect(res.status()).toBe(303); // the state cookie came back: the launch completed in the frame
  const steps = await eventsOf(res.headers()['x-correlation-id']!);
  expect(steps.find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'frame-cookie' });
  expect(steps.map((e) => e.step)).not.toContain('frame_check');
  expect(steps.at(-1)?.step).toBe('landed');
});

test('no cookie in the frame (partitioned ones too), no platform storage: "Open in a new window", and the launch lands in the new window', async () => {
  const context = await browserWithoutFrameCookies(true);
  const page = await context.newPage();
  await page.goto(COURSE());
  const tool = page.frameLocator('iframe[name="tool"]');
  await expect(tool.getByRole('heading', { name: 'Open in a new window' })).toBeVisible({ timeout: 20_000 });

  // First, that the frame really keeps nothing: no state cookie was stored (partitioned or
  // not), and the frame cannot keep even a partitioned cookie of its own.
  expect((await context.cookies()).filter((c) => c.name.startsWith('lti_state_'))).toEqual([]);
  const frame = page.frame({ name: 'tool' })!;
  expect(new URL(frame.url()).origin).toBe(runtime());
  const kept = await frame.evaluate(() => {
    // biome-ignore lint/suspicious/noDocumentCookie: the point is to try the cookie jar itself
    document.cookie = 'e2e_probe=1; Path=/; Secure; SameSite=None; Partitioned';
    return document.cookie;
  });
  expect(kept).not.toContain('e2e_probe');
  expect(await frame.evaluate(() => (document.hasStorageAccess ? document.hasStorageAccess() : null))).toBe(false);

  // The page looks finished: the title, why, the button, the correlation ID.
  expect(await frame.title()).toBe('Open in a new window');
  await expect(tool.getByText('does not let this activity keep you signed in')).toBeVisible();
  const correlationId = await tool.getByLabel('Correlation ID').inputValue();
  expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
  await shot(page, '13-open-in-a-new-window');

  // The framed login recorded why it stopped before the platform.
  const framed = await eventsOf(correlationId);
  expect(framed.find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'frame-cookie' });
  expect(framed.at(-1)).toMatchObject({ step: 'frame_check', outcome: 'info', details: { cookie_kept: false, next: 'new-window' } });

  // The button: a fresh login at the top level of a new window, which lands.
  const popupOpened = context.waitForEvent('page');
  const launched = context.waitForEvent('response', (r) => r.url() === `${runtime()}/lti/launch` && r.request().method() === 'POST');
  await tool.getByRole('button', { name: 'Open in a new window' }).click();
  const popup = await popupOpened;
  await expect(popup.getByRole('heading', { name: 'Fire drill' })).toBeVisible({ timeout: 20_000 });
  expect(new URL(popup.url()).pathname).toBe('/learn');
  await expect(tool.getByRole('status')).toContainText('opened in a new window');
  await shot(popup, '14-new-window-landed');

  const popupId = (await launched).headers()['x-correlation-id']!;
  expect(popupId).not.toBe(correlationId);
  const steps = await eventsOf(popupId);
  expect(steps.find((e) => e.step === 'auth_redirect')?.details).toMatchObject({ path: 'new-window', restart: 'new-window', restarted_from: correlationId });
  expect(steps.find((e) => e.step === 'state')?.details).toMatchObject({ binding: 'cookie' });
  expect(steps.at(-1)?.step).toBe('landed');
});
