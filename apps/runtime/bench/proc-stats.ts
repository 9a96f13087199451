// CPU time of processes, read from /proc (Linux): what a launch costs each part of a
// deployment, whatever else this shared machine is doing at the same time.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // CLK_TCK is 100 on Linux x86_64 and arm64

interface ProcTimes {
  /** user + system time of the process itself */
  self: number;
  /** user + system time of its children that have exited and been waited for */
  children: number;
}

function timesOf(pid: number): ProcTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14 → f[11], stime f[12], cutime f[13], cstime f[14]
    return { self: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return null; // exited meanwhile
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** PostgreSQL's server processes on this machine: the postmaster and every backend and helper. */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => commOf(pid) === 'postgres');
}

/**
 * CPU milliseconds used so far by a set of processes. For a server that forks (PostgreSQL),
 * the parent's count of exited children keeps backends that closed during the window.
 */
function cpuMs(pids: number[]): number {
  const set = new Set(pids);
  let total = 0;
  for (const pid of pids) {
    const t = timesOf(pid);
    if (!t) continue;
    total += t.self;
    // Exited children are counted once, by their parent, when the parent is not itself in the set's children.
    if (!set.has(parentOf(pid))) total += t.children;
  }
  return total;
}

/** A running CPU meter over a set of processes found again at each reading. */
export async function cpuMeter(find: () => number[] | Promise<number[]>) {
  const start = cpuMs(await find());
  return { elapsedMs: async () => cpuMs(await find()) - start };
}
