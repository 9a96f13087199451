// Every command prints either human text or, with --json, one JSON document on stdout.
// Failures exit non-zero: 2 for bad input (nothing written), 1 for anything else.
import { TetherError, type TetherErrorOptions } from '@tether/errors';

export interface CliErrorOptions extends TetherErrorOptions {
  /** 2 (the default): bad input, nothing was written; 1: anything else. */
  exitCode?: 1 | 2;
  /** The options at fault (camelCase input names), for --json callers. */
  fields?: string[];
}

export class CliError extends TetherError {
  override readonly name = 'CliError';

  constructor(code: string, message: string, options: CliErrorOptions = {}) {
    const { exitCode = 2, fields = [], ...rest } = options;
    super(code, message, { ...rest, details: { ...rest.details, exitCode, fields } });
  }

  get exitCode(): 1 | 2 {
    return this.details.exitCode === 1 ? 1 : 2;
  }

  get fields(): string[] {
    const v = this.details.fields;
    return Array.isArray(v) ? v.map(String) : [];
  }
}

export interface Output {
  json: boolean;
  result(data: unknown, human: string): void;
  info(line: string): void;
}

export function createOutput(json: boolean, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Output {
  return {
    json,
    result(data, human) {
      out(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
    },
    // Progress goes to stderr so --json stdout stays parseable.
    info(line) {
      err(`${line}\n`);
    },
  };
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
