import { sql } from '@tether/db';
import { type BrowserLaunchOptions, type LaunchSpec, simulateBrowserLaunch } from '@tether/lms-sim';
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
