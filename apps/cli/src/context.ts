// Opens what commands need: the checked configuration, the database (DATABASE_URL or the
// embedded engine, migrated), and lazily the master secret and tool key set.

import { createToolKeySet, loadMasterSecret, type ToolKeySet } from '@tether/crypto';
import { createDb, createToolKeyStore, type DbHandle, findWorkspaceBySlug, migrateToLatest, resolveDataDir, type Workspace } from '@tether/db';
import { type CliConfig, loadCliConfig } from './config.js';
import { CliError, type Output } from './output.js';

export interface CliContext {
  handle: DbHandle;
  out: Output;
  config: CliConfig;
  /** The raw environment, passed on to the processes `tether up` starts. */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The master secret (read or generated once). */
  secret(): Promise<Uint8Array>;
  keySet(): Promise<ToolKeySet>;
  workspace(slug: string | undefined): Promise<Workspace>;
  close(): Promise<void>;
}

export async function openContext(out: Output, env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = loadCliConfig(env);
  const dataDir = resolveDataDir(config.TETHER_DATA_DIR);
  const handle = await createDb({ url: config.DATABASE_URL, dataDir, poolSize: 4, log: (l) => out.info(l) });
  const applied = await migrateToLatest(handle.db);
  for (const name of applied) out.info(`Applied migration ${name}`);
  let keys: ToolKeySet | undefined;
  let secret: Promise<Uint8Array> | undefined;
  const readSecret = () => (secret ??= loadMasterSecret({ env: config.TETHER_SECRET, dataDir, production: config.production }).then((s) => s.secret));
  return {
    handle,
    out,
    config,
    env,
    dataDir,
    secret: readSecret,
    async keySet() {
      if (!keys) {
        keys = createToolKeySet({ store: createToolKeyStore(handle.db), secret: await readSecret() });
        await keys.ensureInitialised();
      }
      return keys;
    },
    async workspace(slug) {
      if (!slug) throw new CliError('invalid_input', '--workspace: required (the workspace slug)', { fields: ['workspace'] });
      const w = await findWorkspaceBySlug(handle.db, slug.trim().toLowerCase());
      if (!w) throw new CliError('workspace_not_found', `--workspace: no workspace with slug "${slug}" (see \`tether workspace list\`)`, { fields: ['workspace'] });
      return w;
    },
    close: () => handle.close(),
  };
}
