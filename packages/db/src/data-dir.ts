// Where Tether keeps local state (embedded database, generated secret): `.data/` at the
// workspace root, or the directory the app's config names (TETHER_DATA_DIR).
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

export function resolveDataDir(configured?: string): string {
  return configured ? resolve(configured) : join(findWorkspaceRoot(), '.data');
}
