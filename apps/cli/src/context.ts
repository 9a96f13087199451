// Opens what commands need: the database (DATABASE_URL or the embedded engine, migrated),
// and lazily the master secret and tool key set.
import { createDb, createToolKeyStore, findWorkspaceBySlug, migrateToLatest, resolveDataDir, type DbHandle, type Workspace } from '@tether/db';
import { createToolKeySet, loadMasterSecret, type ToolKeySet } from '@tether/crypto';
import { CliError, type Output } from './output.js';

export interface CliContext {
  handle: DbHandle;
  out: Output;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  keySet(): Promise<ToolKeySet>;
  workspace(slug: string | undefined): Promise<Workspace>;
  close(): Promise<void>;
}

export async function openContext(out: Output, env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const dataDir = resolveDataDir(env);
  const handle = await createDb({ url: env.DATABASE_URL || undefined, dataDir, poolSize: 4, log: (l) => out.info(l) });
  const applied = await migrateToLatest(handle.db);
  for (const name of applied) out.info(`Applied migration ${name}`);
  let keys: ToolKeySet | undefined;
  return {
    handle,
    out,
    env,
    dataDir,
    async keySet() {
      if (!keys) {
        const { secret } = await loadMasterSecret({ env: env.TETHER_SECRET, dataDir, production: env.NODE_ENV === 'production' });
        keys = createToolKeySet({ store: createToolKeyStore(handle.db), secret });
        await keys.ensureInitialised();
      }
      return keys;
    },
    async workspace(slug) {
      if (!slug) throw new CliError('--workspace: required (the workspace slug)', 2, 'invalid_input', ['workspace']);
      const w = await findWorkspaceBySlug(handle.db, slug.trim().toLowerCase());
      if (!w) throw new CliError(`--workspace: no workspace with slug "${slug}" (see \`tether workspace list\`)`, 2, 'workspace_not_found', ['workspace']);
      return w;
    },
    close: () => handle.close(),
  };
}
