import { sql } from '@tether/db';
import { type BrowserLaunchOptions, type LaunchSpec, parseAutoPostForm, simulateBrowserLaunch } from '@tether/lms-sim';
import type { Harness } from './harness.js';

export interface LaunchOutcome {
  status: number;
  error: string | null;
  correlationId: string | null;
  location: string | null;
  body: string;
  stage: string;
  idToken: string | undefined;
  cookies: Record<string, string>;
}

export async function launch(h: Harness, spec: LaunchSpec = {}, opts: BrowserLaunchOptions = {}): Promise<LaunchOutcome> {
  const r = await simulateBrowserLaunch(h.sim, { custom: { scenario_id: 'fire-drill' }, ...spec }, opts);
  const res = r.launch ?? r.auth ?? r.login;
  const body = r.launch ? await r.launch.text() : (r.authBody ?? r.loginBody);
  return {
    status: res.status,
    error: res.headers.get('x-tether-error'),
    correlationId: res.headers.get('x-correlation-id'),
    location: res.headers.get('location'),
    body,
    stage: r.stage,
    idToken: r.idToken,
    cookies: r.cookies,
  };
}

export async function counts(h: Harness) {
  const one = async (table: 'users' | 'memberships' | 'lti_identities') => (await h.t.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
  return { users: await one('users'), memberships: await one('memberships'), identities: await one('lti_identities') };
}

export async function timeline(h: Harness, correlationId: string) {
  return h.t.db.selectFrom('launch_events').selectAll().where('correlation_id', '=', correlationId).orderBy('id').execute();
}

/**
 * A cookie-less launch up to its storage check page, as a browser without third-party cookies
 * meets it: the login page (which puts the state and nonce into platform storage), then the
 * launch without the state cookie. Returns what the check page would read back and post.
 */
export async function cookielessLaunch(h: Harness, spec: LaunchSpec & { storageTarget?: string } = {}) {
  const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, storageTarget: '_parent', ...spec });
  const loginPage = await (await fetch(init.url, { redirect: 'manual' })).text();
  const cfg = (page: string) => JSON.parse(page.match(/var cfg=(\{.*?\});/)![1]!) as Record<string, string>;
  const login = cfg(loginPage);
  const form = parseAutoPostForm(await (await h.sim.fetch(new Request(login.authUrl!))).text());
  const check = await fetch(form.action, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form.fields) });
  const checkPage = await check.text();
  const page = cfg(checkPage);
  return {
    correlationId: check.headers.get('x-correlation-id')!,
    status: check.status,
    loginPage,
    checkPage,
    form,
    continueUrl: page.continueUrl!,
    token: page.token!,
    /** What platform storage holds for this browser: the proof the check page posts. */
    proof: { state: login.state!, nonce: login.nonce! },
  };
}

/** The check page's POST to the continuation (the proof, or `storage_error`), with the signed token. */
export function postContinuation(c: { continueUrl: string; token: string }, fields: Record<string, string>) {
  return fetch(c.continueUrl, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: c.token, ...fields }) });
}

/** Posts a finished browser launch's form again, exactly as sent (same state, token and cookies). */
export function replayLaunch(first: { form?: { action: string; fields: Record<string, string> } | undefined; cookies: Record<string, string> }) {
  return fetch(first.form!.action, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams(first.form!.fields),
    headers: {
      cookie: Object.entries(first.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
    },
  });
}

/** Cookies a response set, as `name=value` pairs for a Cookie header. */
export const cookieHeaderOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/**
 * A login as an LMS frame without platform storage sends it (the browser says `Sec-Fetch-Dest:
 * iframe`), up to the frame check page: what the page's script reads (its cfg), the new-window
 * form it holds, and the state cookie the login set.
 */
export async function framedLogin(h: Harness, spec: LaunchSpec = {}, opts: { method?: 'GET' | 'POST' } = {}) {
  const init = h.sim.loginInitiation({ custom: { scenario_id: 'fire-drill' }, ...spec });
  const headers = { 'sec-fetch-dest': 'iframe' };
  const res =
    opts.method === 'POST'
      ? await fetch(init.loginUrl, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(init.params) })
      : await fetch(init.url, { redirect: 'manual', headers });
  const page = await res.text();
  const cfg = JSON.parse(page.match(/var cfg=(\{.*?\});/)?.[1] ?? '{}') as { authUrl: string; state: string; checkUrl: string; restart: string | null };
  return { init, res, page, cfg, correlationId: res.headers.get('x-correlation-id')!, cookie: cookieHeaderOf(res), newWindowForm: parseAutoPostForm(page) };
}

/** The frame check page's POST: with the frame's cookies (`cookie`), or none — as a frame that keeps none sends it. */
export function postFrameCheck(h: Harness, fields: Record<string, string>, cookie?: string) {
  return fetch(`${h.runtime.url}/lti/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields), headers: cookie ? { cookie } : {} });
}
