import { parseArgs } from 'node:util';
import { describeZodError } from '@tether/lti';
import type { z } from 'zod';
import { CliError } from './output.js';

export type Flags = Record<string, string | boolean | undefined>;

/** Parse a command's flags; unknown flags are an input error naming the flag. */
export function parseFlags(argv: string[], spec: Record<string, 'string' | 'boolean'>): { flags: Flags; positionals: string[] } {
  const options = Object.fromEntries(Object.entries({ ...spec, json: 'boolean' as const }).map(([k, type]) => [k, { type }]));
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { flags: values as Flags, positionals };
  } catch (e) {
    throw new CliError('invalid_input', (e as Error).message.replace(/^Unknown option '(.+?)'.*$/s, 'unknown option $1'));
  }
}

/** zod check with CLI-style messages: "--field: problem". */
export function check<S extends z.ZodType>(schema: S, value: unknown, flagNames: Record<string, string> = {}): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = describeZodError(r.error).map((l) => {
    const [field, ...rest] = l.split(': ');
    const flag = flagNames[field ?? ''] ?? field ?? 'input';
    return `--${flag}: ${rest.join(': ')}`;
  });
  throw new CliError('invalid_input', lines.join('\n'), { fields: r.error.issues.map((i) => String(i.path[0] ?? 'input')) });
}
