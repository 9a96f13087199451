/**
 * A minimal scripted "browser" that walks a launch end to end: login initiation → the tool's
 * redirect (or auto-post form) to the auth endpoint → the sim's auto-post form → the tool's
 * launch URL. It keeps a naive cookie jar for the tool (name=value only; no domain, path or
 * SameSite rules), so cookie-bound state works. It cannot run JavaScript, so a tool page that
 * needs postMessage storage stops the walk at that step.
 */
import { parseAutoPostForm } from './html.js';
import type { LmsSimulator } from './sim.js';
import type { LaunchSpec, LoginInitiation } from './types.js';

export interface BrowserLaunchOptions {
  /** Send the login initiation as GET (default) or POST. */
  method?: 'GET' | 'POST';
  /** fetch used for the tool's URLs (default: global fetch). */
  fetch?: typeof fetch;
  /** User-Agent to send (default: a desktop browser string). */
  userAgent?: string;
  /** Cookies to start with. */
  cookies?: Record<string, string>;
  /** Change the auth-endpoint form fields before posting them to the tool. */
  beforeLaunchPost?: (fields: Record<string, string>) => Record<string, string>;
}

export interface BrowserLaunchResult {
  init: LoginInitiation;
  /** Where the walk stopped: 'launch' when the form reached the tool's redirect_uri. */
  stage: 'login' | 'auth' | 'launch';
  login: Response;
  loginBody: string;
  authUrl?: string;
  auth?: Response;
  authBody?: string;
  /** The auto-post form the sim answered with. */
  form?: { action: string; fields: Record<string, string> };
  idToken?: string;
  /** The tool's answer to the launch POST (body unread). */
  launch?: Response;
  cookies: Record<string, string>;
}

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 lms-sim';

export async function simulateBrowserLaunch(sim: LmsSimulator, spec: LaunchSpec = {}, options: BrowserLaunchOptions = {}): Promise<BrowserLaunchResult> {
  const doFetch = options.fetch ?? fetch;
  const ua = options.userAgent ?? BROWSER_UA;
  const cookies: Record<string, string> = { ...options.cookies };
  const cookieHeader = (): Record<string, string> => {
    const s = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    return s ? { cookie: s } : {};
  };
  const keepCookies = (res: Response): void => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  };
  const toSimOrTool = (url: string, init: RequestInit): Promise<Response> => (url.startsWith(sim.endpoints.auth) ? sim.fetch(new Request(url, init)) : doFetch(url, init));

  const init = sim.loginInitiation(spec);
  const login =
    options.method === 'POST'
      ? await doFetch(init.loginUrl, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua, ...cookieHeader() },
          body: new URLSearchParams(init.params).toString(),
        })
      : await doFetch(init.url, { redirect: 'manual', headers: { 'user-agent': ua, ...cookieHeader() } });
  keepCookies(login);
  const loginBody = await login.text();

  let authReq: { url: string; init: RequestInit } | undefined;
  const location = login.headers.get('location');
  if (login.status >= 300 && login.status < 400 && location) {
    authReq = { url: new URL(location, init.loginUrl).toString(), init: { headers: { 'user-agent': ua } } };
  } else if (login.ok && /<form\b/i.test(loginBody)) {
    const f = parseAutoPostForm(loginBody);
    const action = new URL(f.action || init.loginUrl, init.loginUrl);
    if (f.method === 'post') {
      authReq = {
        url: action.toString(),
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua },
          body: new URLSearchParams(f.fields).toString(),
        },
      };
    } else {
      for (const [k, v] of Object.entries(f.fields)) action.searchParams.set(k, v);
      authReq = { url: action.toString(), init: { headers: { 'user-agent': ua } } };
    }
  }
  if (!authReq) return { init, stage: 'login', login, loginBody, cookies };

  const auth = await toSimOrTool(authReq.url, { ...authReq.init, redirect: 'manual' });
  const authBody = await auth.text();
  const base: BrowserLaunchResult = { init, stage: 'auth', login, loginBody, authUrl: authReq.url, auth, authBody, cookies };
  if (auth.status !== 200 || !/<form\b/i.test(authBody)) return base;

  const parsed = parseAutoPostForm(authBody);
  const fields = options.beforeLaunchPost ? options.beforeLaunchPost({ ...parsed.fields }) : parsed.fields;
  const launch = await doFetch(parsed.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': ua, ...cookieHeader() },
    body: new URLSearchParams(fields).toString(),
  });
  keepCookies(launch);
  return {
    ...base,
    stage: 'launch',
    form: { action: parsed.action, fields },
    ...(fields.id_token !== undefined ? { idToken: fields.id_token } : {}),
    launch,
  };
}
