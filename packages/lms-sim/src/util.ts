import { randomBytes } from 'node:crypto';

/** URL-safe random id. */
export function randomId(bytes = 12): string {
  return randomBytes(bytes).toString('base64url');
}

/** Random token in *standard* base64 (contains + / =), to catch tools that mishandle URL encoding. */
export function randomStdBase64(bytes = 24): string {
  let s = randomBytes(bytes).toString('base64');
  // make sure the quirky characters are actually there
  if (!/[+/]/.test(s)) s = `${s.slice(0, 4)}+/${s.slice(4)}`;
  if (!s.endsWith('=')) s = `${s}=`;
  return s;
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strip a trailing slash from a base URL. */
export function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
