#!/usr/bin/env node
// tether — the command line for operators. `pnpm tether <command> [--json]`.
import { adminCreate } from './commands/admin.js';
import { apikeyCreate } from './commands/apikey.js';
import { keysList, keysRotate } from './commands/keys.js';
import { platformAdd, platformList, platformRemove } from './commands/platform.js';
import { registrationUrl } from './commands/registration.js';
import { scenarioAdd, scenarioList } from './commands/scenario.js';
import { up } from './commands/up.js';
import { workspaceCreate, workspaceList } from './commands/workspace.js';
import { type CliContext, openContext } from './context.js';
import { CliError, createOutput } from './output.js';

type Command = (ctx: CliContext, argv: string[]) => Promise<void>;

const commands: Record<string, { run: Command; usage: string }> = {
  migrate: { run: async (ctx) => ctx.out.result({ migrated: true }, 'Database is up to date.'), usage: 'migrate' },
  up: { run: up, usage: 'up                      start the runtime (and dashboard) on the configured database' },
  'workspace create': { run: workspaceCreate, usage: 'workspace create <name> [--slug <slug>]' },
  'workspace list': { run: workspaceList, usage: 'workspace list' },
  'admin create': { run: adminCreate, usage: 'admin create --workspace <slug> --email <email> --password <password> [--name <name>]' },
  'scenario add': { run: scenarioAdd, usage: 'scenario add --workspace <slug> --slug <slug> --title <title> [--description <text>]' },
  'scenario list': { run: scenarioList, usage: 'scenario list [--workspace <slug>]' },
  'platform add': {
    run: platformAdd,
    usage:
      'platform add --workspace <slug> --name <name> --issuer <url> --client-id <id> --deployment <ids> --auth-url <url> --token-url <url> --jwks-url <url> [--token-audience <url>] [--deployment-policy strict|learn]',
  },
  'platform list': { run: platformList, usage: 'platform list [--workspace <slug>]' },
  'platform remove': { run: platformRemove, usage: 'platform remove --workspace <slug> --id <platform id>' },
  'registration-url': { run: registrationUrl, usage: 'registration-url --workspace <slug>      a one-time dynamic registration URL (valid 1 hour)' },
  'apikey create': { run: apikeyCreate, usage: 'apikey create --workspace <slug> [--name <name>]   a Grades API key (printed once)' },
  'keys list': { run: keysList, usage: 'keys list' },
  'keys rotate': { run: keysRotate, usage: 'keys rotate' },
};

const usage = () =>
  `Usage: tether <command> [--json]\n\nCommands:\n${Object.values(commands)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`;
  const name = commands[two] ? two : commands[argv[0] ?? ''] ? (argv[0] as string) : undefined;
  if (!name || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return name || argv.length === 0 || argv.includes('--help') ? 0 : 2;
  }
  const rest = argv.slice(name.split(' ').length);
  let ctx: CliContext | undefined;
  try {
    ctx = await openContext(out, env);
    await commands[name]!.run(ctx, rest);
    return 0;
  } catch (e) {
    const err = e instanceof CliError ? e : new CliError((e as { code?: string }).code ?? 'error', (e as Error).message ?? String(e), { exitCode: 1, cause: e });
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message, fields: err.fields } }, null, 2)}\n`);
    process.stderr.write(`tether ${name}: ${err.message}\n`);
    return err.exitCode;
  } finally {
    if (name !== 'up') await ctx?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli/src/main.ts')) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
