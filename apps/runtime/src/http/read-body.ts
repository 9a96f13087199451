// The one way the runtime reads a request body or query: bounded while reading (whatever
// the middleware let through), decoded strictly, and refused — never thrown as a 500 — when
// malformed: a broken form or JSON body, a stray `%`, invalid UTF-8, a NUL anywhere.
// Postgres refuses NUL and invalid UTF-8 mid-statement; this keeps them from getting there.
import { unsafeTextReason } from '@tether/lti';
import type { Context } from 'hono';
import { RequestInputError } from './request-input-error.js';
import { FORM_MAX_BYTES, JSON_MAX_BYTES } from './request-limits.js';

/** More fields than any LTI or picker form sends; beyond it the body is not a form of ours. */
const FORM_MAX_FIELDS = 500;

export type Read<T> = { ok: true; value: T } | { ok: false; error: RequestInputError };

/** A form body's string fields (files are ignored). */
export interface FormFields {
  /** The first value of each field: what login and launch read. */
  readonly values: Readonly<Record<string, string>>;
  /** Every value of a repeated field (`scenario=a&scenario=b`), in order. */
  all(name: string): string[];
}

const EMPTY_FORM: FormFields = { values: {}, all: () => [] };
const malformed = (message: string, field?: string) => new RequestInputError('invalid_request', message, field === undefined ? {} : { details: { field } });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A body read once per request (login and launch may both ask). */
const bodies = new WeakMap<Request, Promise<Read<Uint8Array>>>();

/** The raw body, at most `maxBytes`: stops reading past the cap. */
function readBytes(c: Context, maxBytes: number): Promise<Read<Uint8Array>> {
  const raw = c.req.raw;
  let read = bodies.get(raw);
  if (!read) {
    read = collect(raw.body, maxBytes);
    bodies.set(raw, read);
  }
  return read;
}

async function collect(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Read<Uint8Array>> {
  if (!body) return { ok: true, value: new Uint8Array(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, error: new RequestInputError('request_too_large', `The body is larger than ${maxBytes} bytes.`) };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, error: malformed('The body could not be read.') };
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, value: out };
}

/** The media type of the request, lower-cased, without parameters. */
const mediaType = (c: Context) => (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();

/**
 * A form body (`application/x-www-form-urlencoded` or `multipart/form-data`), string fields
 * only. Another content type reads as an empty form (the caller's checks then say what is
 * missing). Refused: larger than `maxBytes`, malformed, invalid UTF-8 or NUL in a name or value.
 */
export async function readForm(c: Context, maxBytes = FORM_MAX_BYTES): Promise<Read<FormFields>> {
  const type = mediaType(c);
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') return { ok: true, value: EMPTY_FORM };
  const bytes = await readBytes(c, maxBytes);
  if (!bytes.ok) return bytes;
  const pairs = type === 'multipart/form-data' ? await multipartPairs(bytes.value, c.req.header('content-type')!) : urlEncodedPairs(bytes.value);
  if (pairs instanceof RequestInputError) return { ok: false, error: pairs };
  return checkedFields(pairs);
}

/**
 * The query string, decoded strictly (a `%` that is not an escape, or an escape that is not
 * UTF-8, is refused rather than passed on as is), with the same rules as a form.
 */
export function readQuery(c: Context): Read<FormFields> {
  const search = new URL(c.req.url).search.slice(1);
  const pairs = urlEncodedPairs(search);
  if (pairs instanceof RequestInputError) return { ok: false, error: pairs };
  return checkedFields(pairs);
}

/** A JSON body, at most `maxBytes`, strict UTF-8, with no NUL or lone surrogate in any key or string. */
export async function readJson(c: Context, maxBytes = JSON_MAX_BYTES): Promise<Read<unknown>> {
  const bytes = await readBytes(c, maxBytes);
  if (!bytes.ok) return bytes;
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes.value));
  } catch {
    return { ok: false, error: malformed('The body must be JSON (UTF-8).') };
  }
  const bad = firstUnsafeString(value);
  return bad ? { ok: false, error: malformed(`${bad.path} ${bad.reason}`, bad.path) } : { ok: true, value };
}

function urlEncodedPairs(body: Uint8Array | string): Array<[string, string]> | RequestInputError {
  let text: string;
  try {
    text = typeof body === 'string' ? body : strictUtf8.decode(body);
  } catch {
    return malformed('The form body is not valid UTF-8.');
  }
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    if (pairs.length >= FORM_MAX_FIELDS) return malformed(`The form has more than ${FORM_MAX_FIELDS} fields.`);
    const eq = part.indexOf('=');
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeComponent(eq < 0 ? '' : part.slice(eq + 1));
    if (name === undefined || value === undefined) return malformed('The form has a malformed percent-escape or one that is not UTF-8.');
    pairs.push([name, value]);
  }
  return pairs;
}

/** `decodeURIComponent` refuses stray `%` and escapes that are not UTF-8 (URLSearchParams would silently keep or replace them). */
function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

async function multipartPairs(bytes: Uint8Array, contentType: string): Promise<Array<[string, string]> | RequestInputError> {
  let form: FormData;
  try {
    // The platform's own parser, on bytes already bounded: a broken boundary or part is a refusal here.
    form = await new Request('http://body.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: bytes }).formData();
  } catch {
    return malformed('The multipart form body is malformed.');
  }
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string') continue;
    if (pairs.length >= FORM_MAX_FIELDS) return malformed(`The form has more than ${FORM_MAX_FIELDS} fields.`);
    pairs.push([name, value]);
  }
  return pairs;
}

function checkedFields(pairs: Array<[string, string]>): Read<FormFields> {
  const values: Record<string, string> = Object.create(null);
  const lists = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const nameReason = unsafeTextReason(name);
    if (nameReason) return { ok: false, error: malformed(`a field name ${nameReason}`) };
    const valueReason = unsafeTextReason(value);
    if (valueReason) return { ok: false, error: malformed(`${name.slice(0, 100)} ${valueReason}`, name.slice(0, 100)) };
    if (!(name in values)) values[name] = value;
    const list = lists.get(name);
    if (list) list.push(value);
    else lists.set(name, [value]);
  }
  return { ok: true, value: { values, all: (name) => [...(lists.get(name) ?? [])] } };
}

/** The first key or string in a JSON value that is not safe text (iterative: depth cannot overflow the stack). */
function firstUnsafeString(root: unknown): { path: string; reason: string } | undefined {
  const stack: Array<[unknown, string]> = [[root, 'body']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unsafeTextReason(value);
      if (reason) return { path, reason };
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) stack.push([v, `${path}[${i}]`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const reason = unsafeTextReason(k);
        if (reason) return { path: `${path} (a key)`, reason };
        stack.push([v, path === 'body' ? k : `${path}.${k}`]);
      }
    }
  }
  return undefined;
}
