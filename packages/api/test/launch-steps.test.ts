// Every step name the runtime records on a timeline has a human label in the one map the
// troubleshooting view reads (STEP_LABELS). The step names are collected from the source of
// what records them: the runtime (Timeline calls, fail()'s `step`, events it writes itself),
// the database repositories (grade events) and packages/lti (the id_token checks' trace steps).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_LABELS, stepLabel } from '../src/routers/launches.js';

const root = join(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

const LITERAL = /'([a-z][a-z0-9]*(?:_[a-z0-9]+)*)'/g;
const literalsIn = (text: string) => [...text.matchAll(LITERAL)].map((m) => m[1]!);

/** The branches of `cond ? 'a' : 'b'` (the literals in the condition are no steps). */
const chosen = (expr: string) => (expr.includes('?') ? expr.slice(expr.indexOf('?') + 1) : expr);

/** Step names in one file: every place a step is named as a string literal. */
function stepsIn(text: string): string[] {
  const found: string[] = [];
  // timeline.ok('x' …), .info, .error, .draft — and `step: 'x'` / `step: cond ? 'x' : 'y'` in event objects and fail() contexts.
  for (const m of text.matchAll(/\.(?:ok|info|error|draft)\(\s*'([a-z_]+)'/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bstep: ([^,\n}]+)/g)) found.push(...literalsIn(chosen(m[1]!)));
  // Timeline.error(<computed step>, code …): the step is chosen by a ternary before the code.
  for (const m of text.matchAll(/timeline\.error\(([^,]*\?[^,]*),/g)) found.push(...literalsIn(chosen(m[1]!)));
  // validateIdToken's trace('signature' …), validationStepOf's 'signature' | 'claims'.
  for (const m of text.matchAll(/trace\?\.\(\s*'([a-z_]+)'/g)) found.push(m[1]!);
  for (const m of text.matchAll(/validationStepOf = [^=]*=> \(([^;]*)\);/g)) found.push(...literalsIn(m[1]!));
  return found;
}

function recordedSteps(): Map<string, string> {
  const steps = new Map<string, string>();
  for (const dir of ['apps/runtime/src', 'packages/db/src/repos', 'packages/lti/src']) {
    for (const file of sources(join(root, dir))) {
      for (const step of stepsIn(readFileSync(file, 'utf8'))) if (!steps.has(step)) steps.set(step, file.slice(root.length + 1));
    }
  }
  return steps;
}

describe('timeline step labels', () => {
  const steps = recordedSteps();

  it('finds the steps of every hop (the collector works)', () => {
    for (const s of [
      'login_received',
      'auth_redirect',
      'state',
      'signature',
      'claims',
      'deployment',
      'scenario',
      'deep_link_picker',
      'landed',
      'failed',
      'registration_request',
      'grade_failed',
      'grade_lineitem_created',
    ]) {
      expect(steps.has(s), s).toBe(true);
    }
    expect(steps.size).toBeGreaterThan(30);
  });

  it('gives every step the runtime records a human label', () => {
    const missing = [...steps].filter(([step]) => !Object.hasOwn(STEP_LABELS, step)).map(([step, file]) => `${step} (${file})`);
    expect(missing).toEqual([]);
  });

  it('labels are words for people, not internal names', () => {
    for (const [step, label] of Object.entries(STEP_LABELS)) {
      expect(label, step).not.toMatch(/_/);
      expect(label[0], step).toBe(label[0]!.toUpperCase());
    }
    expect(stepLabel('deep_link_picker')).toBe('Deep-linking picker');
    expect(stepLabel('some_future_step')).toBe('Some future step');
  });
});
