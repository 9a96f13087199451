// Scenario lookups for routing and landing, cached briefly per node: every launch needs one,
// and they change rarely (an edit, an archive or an unarchive shows up within the TTL).
// Lookups return archived scenarios too — a launch must tell "archived" (`scenario_archived`:
// unarchive it, or relink the activity) from "no such scenario" (`scenario_not_found`);
// `launchable` makes that call in one place.
import { type Database, findScenarioById, findScenarioByRef, type Kysely, type Scenario } from '@tether/db';

/** How long a node trusts its cached scenario lookups (an edit or removal shows within this). */
const SCENARIO_CACHE_TTL_MS = 5_000;

export function createScenarioDirectory(db: Kysely<Database>, ttlMs = SCENARIO_CACHE_TTL_MS) {
  const cache = new Map<string, { scenario: Scenario | undefined; expires: number }>();
  const get = async (key: string, load: () => Promise<Scenario | undefined>) => {
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) return hit.scenario;
    const scenario = await load();
    // Misses are not cached: an admin fixing a missing scenario should see it work at once.
    if (scenario) {
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { scenario, expires: Date.now() + ttlMs });
    }
    return scenario;
  };
  /** What a launch may open: the scenario, or why not. */
  const launchable = (scenario: Scenario | undefined): { ok: true; scenario: Scenario } | { ok: false; code: 'scenario_not_found' | 'scenario_archived'; scenario?: Scenario } =>
    !scenario ? { ok: false, code: 'scenario_not_found' } : scenario.archived_at ? { ok: false, code: 'scenario_archived', scenario } : { ok: true, scenario };
  return {
    launchable,
    byRef: (workspaceId: string, ref: string) => get(`${workspaceId}\nref\n${ref}`, () => findScenarioByRef(db, workspaceId, ref)),
    byId: (workspaceId: string, id: string) => get(`${workspaceId}\nid\n${id}`, () => findScenarioById(db, workspaceId, id)),
  };
}

export type ScenarioDirectory = ReturnType<typeof createScenarioDirectory>;
