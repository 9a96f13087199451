/** Drive the home page as a browser would: find a form, fill it, press a button, follow the launch. */
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import { type LmsSim, parseAutoPostForm } from '../src/index.js';
import type { FakeTool } from './fake-tool.js';

export async function homeHtml(sim: LmsSim): Promise<string> {
  const res = await fetch(`${sim.url}/`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The HTML of every `<form …data-testid="…">…</form>` with that test id (or every form in a row with it). */
export function formsByTestId(html: string, testId: string): string[] {
  return [...html.matchAll(new RegExp(`<(form|tr)\\b[^>]*data-testid="${testId}"[^>]*>[\\s\\S]*?</\\1>`, 'g'))].map((m) => m[0]);
}

/** The input a `<label for>` with this text points at: its name. */
export function inputNameByLabel(formHtml: string, label: string): string {
  const m = new RegExp(`<label for="([^"]+)">${label.replace(/[()]/g, '\\$&')}</label>`).exec(formHtml);
  expect(m, `a <label for> "${label}"`).not.toBeNull();
  const input = new RegExp(`<input id="${m![1]}" name="([^"]+)"`).exec(formHtml);
  expect(input, `the input #${m![1]}`).not.toBeNull();
  return input![1]!;
}

/** Submit a GET form: its fields, the filled values, and the pressed button's name/value. */
export function submitUrl(sim: LmsSim, formHtml: string, button: string, fill: Record<string, string> = {}): string {
  const form = parseAutoPostForm(formHtml);
  const b = new RegExp(`<button type="submit"(?: name="([^"]+)" value="([^"]+)")?>${button.replace(/[()]/g, '\\$&')}</button>`).exec(formHtml);
  expect(b, `a button "${button}"`).not.toBeNull();
  const q = new URLSearchParams({ ...form.fields, ...fill, ...(b![1] ? { [b![1]]: b![2]! } : {}) });
  return `${sim.url}${form.action}?${q}`;
}

/** GET a launch URL of the sim and walk it to the id_token the tool receives; returns its claims. */
export async function launchClaims(tool: FakeTool, url: string): Promise<Record<string, unknown>> {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const form = parseAutoPostForm(await page.text());
  expect(form.action).toBe(tool.loginUrl);
  const login = await fetch(form.action, { method: 'POST', body: new URLSearchParams(form.fields), redirect: 'manual' });
  const auth = await fetch(login.headers.get('location')!);
  const { fields } = parseAutoPostForm(await auth.text());
  return decodeJwt(fields.id_token!) as Record<string, unknown>;
}
