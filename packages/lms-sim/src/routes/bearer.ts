/** Bearer access-token checks for the AGS and NRPS endpoints. */
import type { Context } from 'hono';
import { json } from '../http.js';
import type { SimContext } from '../state.js';
import type { IssuedAccessToken } from '../types.js';

/**
 * Returns the token record, or a 401/403 Response. `anyOf` lists scopes of which the token
 * must carry at least one.
 */
export function requireBearer(c: Context, sim: SimContext, anyOf: string[]): IssuedAccessToken | Response {
  const header = c.req.header('authorization') ?? '';
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  const challenge = { 'www-authenticate': 'Bearer realm="lms-sim"' };
  if (!m || m[1]!.toLowerCase() !== 'bearer') {
    return json(401, { error: 'invalid_token', error_description: 'Authorization: Bearer <access token> is required' }, challenge);
  }
  if (sim.mode === 'blackboard' && m[1] !== 'Bearer') {
    return json(401, { error: 'invalid_token', error_description: `authorization scheme must be "Bearer" (got "${m[1]}")` }, challenge);
  }
  const rec = sim.state.accessTokens.get(m[2]!);
  if (!rec || rec.expiresAt <= Date.now()) {
    return json(401, { error: 'invalid_token', error_description: 'unknown or expired access token' }, { 'www-authenticate': 'Bearer realm="lms-sim", error="invalid_token"' });
  }
  if (!anyOf.some((s) => rec.scopes.includes(s))) {
    return json(
      403,
      { error: 'insufficient_scope', error_description: `token lacks the required scope: ${anyOf.join(' or ')}`, scope: anyOf.join(' ') },
      { 'www-authenticate': `Bearer realm="lms-sim", error="insufficient_scope", scope="${anyOf.join(' ')}"` },
    );
  }
  return rec;
}

/** Build a `Link` header from rel → URL pairs. */
export function linkHeader(links: Array<[rel: string, url: string]>): string {
  return links.map(([rel, url]) => `<${url}>; rel="${rel}"`).join(', ');
}

export function parseLimit(raw: string | null | undefined, fallback: number): number {
  const n = raw ? Number.parseInt(raw, 10) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1000) : fallback;
}

export function parsePage(raw: string | null | undefined): number {
  const n = raw ? Number.parseInt(raw, 10) : NaN;
  return Number.isFinite(n) && n > 0 ? n : 1;
}
