// `tether up` (what `pnpm start` runs): owns the embedded database when no DATABASE_URL is
// set, migrates, makes sure the tool has signing keys, then runs the runtime (and the admin
// dashboard once it is built) as child processes pointed at the same database.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { adminExists, findWorkspaceRoot } from '@tether/db';
import { parseFlags } from '../args.js';
import type { CliContext } from '../context.js';

/** Any LMS on this machine (lms-sim on 3100, a local Moodle on another port): loopback only, never a LAN host. */
const LOCAL_LMS_HOSTS = '127.0.0.1,localhost';
/** adapter-node's own start line names the bind address (127.0.0.1), not the dashboard's address: the banner below replaces it. */
const ADMIN_LISTENING = /^Listening on /;
const RUNTIME_LISTENING = /^Tether runtime listening on /;

export async function up(ctx: CliContext, argv: string[]) {
  parseFlags(argv, {});
  const keys = await ctx.keySet();
  const root = findWorkspaceRoot();
  const env: NodeJS.ProcessEnv = { ...ctx.env, DATABASE_URL: ctx.handle.url, TETHER_DATA_DIR: ctx.dataDir };
  // Outside production, an LMS on this machine (the simulator, `pnpm lms-sim`) is the one
  // kind of private host the outbound guard lets through unless the setting says otherwise.
  if (!ctx.config.production && !ctx.env.TETHER_DEV_INSECURE_HOSTS) {
    env.TETHER_DEV_INSECURE_HOSTS = LOCAL_LMS_HOSTS;
    ctx.out.info(`TETHER_DEV_INSECURE_HOSTS=${LOCAL_LMS_HOSTS}: an LMS on this machine (e.g. \`pnpm lms-sim\`) may be reached over http. Set it to change this.`);
  }
  const children: ChildProcess[] = [];
  const ready = new Set<string>();
  const expected = new Set<string>();
  const start = (name: string, cwd: string, args: string[], extraEnv: Record<string, string>, readyLine: RegExp) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    // Forwarded line by line, so the start lines can be recognised (and the bind-address one dropped).
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (readyLine.test(line)) {
        ready.add(name);
        if (ready.size === expected.size) banner();
        if (name === 'admin') return;
      }
      process.stdout.write(`${line}\n`);
    });
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

  const adminOrigin = ctx.config.ADMIN_ORIGIN;
  const hasAdmin = await adminExists(ctx.handle.db);
  const runtimeDir = join(root, 'apps', 'runtime');
  const adminDir = join(root, 'apps', 'admin');
  const adminBuild = join(adminDir, 'build', 'index.js');
  // Both are expected before either starts: the banner waits for the dashboard's (first) build.
  expected.add('runtime');
  if (existsSync(join(adminDir, 'package.json'))) expected.add('admin');
  start('runtime', runtimeDir, ['--import', 'tsx', 'src/main.ts'], {}, RUNTIME_LISTENING);
  // The dashboard runs from its production build; build it once on a fresh checkout.
  if (!existsSync(adminBuild) && existsSync(join(adminDir, 'package.json'))) {
    ctx.out.info('Building the admin dashboard (first start only)…');
    // The build's own chatter (timings, chunk notes) is shown only when it fails.
    const built = spawnSync('pnpm', ['--filter', '@tether/admin', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env, encoding: 'utf8' });
    if (built.status !== 0) ctx.out.info(`${built.stdout}${built.stderr}\nThe dashboard build failed; starting the runtime only.`);
  }
  ctx.out.info(`Database: ${ctx.handle.engine === 'embedded' ? `embedded PostgreSQL in ${ctx.dataDir}/pg` : 'DATABASE_URL'}; tool key ${keys.summary().current}.`);
  // Printed once everything listens: the one address to open, last on the screen.
  function banner() {
    const open = hasAdmin ? adminOrigin : `${adminOrigin}/setup`;
    const lines = expected.has('admin')
      ? [`Tether is ready. Open the dashboard: ${open}${hasAdmin ? '' : ' (first run: create your workspace and admin)'}`]
      : ['Tether is ready (runtime only: the dashboard is not built).'];
    if (!ctx.config.production) lines.push('Try it without an LMS: run `pnpm lms-sim` in another terminal, then open http://127.0.0.1:3100.');
    ctx.out.info(`\n${lines.join('\n')}\n`);
  }
  if (!existsSync(adminBuild)) expected.delete('admin');
  if (ready.size > 0 && ready.size === expected.size) banner();
  if (existsSync(adminBuild)) {
    start(
      'admin',
      adminDir,
      [adminBuild],
      { HOST: ctx.config.ADMIN_HOST, PORT: String(ctx.config.ADMIN_PORT), ORIGIN: adminOrigin, PUBLIC_URL: ctx.config.PUBLIC_URL },
      ADMIN_LISTENING,
    );
  }
  // Keep running until a signal or a child exit ends us.
  await new Promise(() => undefined);
}
