// `tether up` (what `pnpm start` runs): owns the embedded database when no DATABASE_URL is
// set, migrates, makes sure the tool has signing keys, then runs the runtime (and the admin
// dashboard once it is built) as child processes pointed at the same database.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { adminExists, findWorkspaceRoot } from '@tether/db';
import { parseFlags } from '../args.js';
import type { CliContext } from '../context.js';

const LOCAL_SIMULATOR_HOSTS = '127.0.0.1:3100,localhost:3100';

export async function up(ctx: CliContext, argv: string[]) {
  parseFlags(argv, {});
  const keys = await ctx.keySet();
  const root = findWorkspaceRoot();
  const env: NodeJS.ProcessEnv = { ...ctx.env, DATABASE_URL: ctx.handle.url, TETHER_DATA_DIR: ctx.dataDir };
  // Outside production, the local simulator (`pnpm lms-sim`, port 3100) is the one private
  // host the outbound guard lets through unless the setting says otherwise.
  if (!ctx.config.production && !ctx.env.TETHER_DEV_INSECURE_HOSTS) {
    env.TETHER_DEV_INSECURE_HOSTS = LOCAL_SIMULATOR_HOSTS;
    ctx.out.info(`TETHER_DEV_INSECURE_HOSTS=${LOCAL_SIMULATOR_HOSTS} (the local simulator; set it to change this)`);
  }
  const children: ChildProcess[] = [];
  const start = (name: string, cwd: string, args: string[], extraEnv: Record<string, string> = {}) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, stdio: 'inherit' });
    children.push(child);
    child.on('exit', (code, signal) => {
      ctx.out.info(`${name} exited (${signal ?? code}); stopping Tether.`);
      void shutdown(code ?? 1);
    });
  };
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    // Graceful first; anything still running after 10 s is killed.
    const force = setTimeout(() => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    }, 10_000);
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    clearTimeout(force);
    await ctx.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const runtimeDir = join(root, 'apps', 'runtime');
  start('runtime', runtimeDir, ['--import', 'tsx', 'src/main.ts']);
  // The dashboard runs from its production build; build it once on a fresh checkout.
  const adminDir = join(root, 'apps', 'admin');
  const adminBuild = join(adminDir, 'build', 'index.js');
  if (!existsSync(adminBuild) && existsSync(join(adminDir, 'package.json'))) {
    ctx.out.info('Building the admin dashboard (first start only)…');
    const built = spawnSync('pnpm', ['--filter', '@tether/admin', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: process.env });
    if (built.status !== 0) ctx.out.info('The dashboard build failed; starting the runtime only.');
  }
  const adminOrigin = ctx.config.ADMIN_ORIGIN;
  if (existsSync(adminBuild)) {
    start('admin', adminDir, [adminBuild], {
      HOST: ctx.config.ADMIN_HOST,
      PORT: String(ctx.config.ADMIN_PORT),
      ORIGIN: adminOrigin,
      PUBLIC_URL: ctx.config.PUBLIC_URL,
    });
    const hasAdmin = await adminExists(ctx.handle.db);
    ctx.out.info(hasAdmin ? `Admin dashboard: ${adminOrigin}` : `Admin dashboard: ${adminOrigin} — no admin yet: open ${adminOrigin}/setup (or run \`pnpm tether admin create\`).`);
  }
  ctx.out.info(`Database: ${ctx.handle.engine === 'embedded' ? `embedded PostgreSQL in ${ctx.dataDir}/pg` : 'DATABASE_URL'}; tool key ${keys.summary().current}.`);
  // Keep running until a signal or a child exit ends us.
  await new Promise(() => undefined);
}
