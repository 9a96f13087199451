// Where Tether keeps local state (embedded database, generated secret): `.data/` at the
// workspace root, or TETHER_DATA_DIR.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function findWorkspaceRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}

export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TETHER_DATA_DIR ? resolve(env.TETHER_DATA_DIR) : join(findWorkspaceRoot(), '.data');
}
