/** Fetching a tool's JWKS, as the platform does to verify client assertions and deep-linking responses. */
import type { JSONWebKeySet } from 'jose';
import type { SimContext } from './state.js';
import { isRecord } from './util.js';

export const SIM_USER_AGENT = 'lms-sim/0.1 (Tether LTI platform simulator)';

export async function fetchToolJwks(sim: SimContext, url: string): Promise<JSONWebKeySet> {
  sim.state.stats.toolJwksFetches++;
  const res = await fetch(url, { headers: { accept: 'application/json', 'user-agent': SIM_USER_AGENT } });
  if (!res.ok) throw new Error(`tool JWKS ${url} answered ${res.status}`);
  const body: unknown = await res.json();
  if (!isRecord(body) || !Array.isArray(body.keys)) throw new Error(`tool JWKS ${url} is not a JWKS`);
  return body as unknown as JSONWebKeySet;
}
