// Issue attack 5 (dashboard side): an oversized sign-in or tRPC body is a clear 413, a broken
// form a 400 — answered by the hook before better-auth or a form action reads it, never an
// empty 500.
import { describe, expect, it, vi } from 'vitest';

// The guard runs before any dependency is touched: the app's wiring is not needed here.
vi.mock('$lib/server/deps', () => ({ getDeps: () => Promise.reject(new Error('not in this test')) }));
vi.mock('$lib/server/session', () => ({ loadSession: () => null }));

const { guardRequestBody, MAX_BODY_BYTES } = await import('./hooks.server.js');

const post = (path: string, body: BodyInit, headers: Record<string, string>) =>
  new Request(`http://admin.test${path}`, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

function streamOf(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return c.close();
      c.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}

describe('dashboard request body guard', () => {
  it('a sign-in form over 512 KB (declared Content-Length) is 413 request_too_large, not an empty 500', async () => {
    const body = `email=a%40b.c&password=${'x'.repeat(600 * 1024)}`;
    const res = await guardRequestBody(post('/login', body, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }), '/login');
    expect(res?.status).toBe(413);
    expect(res?.headers.get('x-tether-error')).toBe('request_too_large');
    expect(await res?.text()).toMatch(/larger than 64 KiB/);
  });

  it('a chunked body past the cap (no Content-Length) is 413 after reading at most the cap', async () => {
    const res = await guardRequestBody(post('/setup', streamOf(8 * 1024 * 1024), { 'content-type': 'application/x-www-form-urlencoded' }), '/setup');
    expect(res?.status).toBe(413);
  });

  it('an oversized tRPC or better-auth call is 413 with a JSON error', async () => {
    for (const path of ['/api/trpc/scenarios.create', '/api/auth/sign-in/email']) {
      const body = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) });
      const res = await guardRequestBody(post(path, body, { 'content-type': 'application/json', 'content-length': String(body.length) }), path);
      expect(res?.status, path).toBe(413);
      expect(await res?.json()).toEqual({ error: { code: 'request_too_large', message: expect.any(String) } });
    }
  });

  it('a malformed multipart sign-in body is 400 invalid_request', async () => {
    const res = await guardRequestBody(post('/login', 'not multipart', { 'content-type': 'multipart/form-data; boundary=XYZ' }), '/login');
    expect(res?.status).toBe(400);
    expect(res?.headers.get('x-tether-error')).toBe('invalid_request');
  });

  it('a normal sign-in form passes, and its body is still readable by the action', async () => {
    const req = post('/login', 'email=a%40b.c&password=secret', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(await guardRequestBody(req, '/login')).toBeNull();
    expect((await req.formData()).get('email')).toBe('a@b.c');
    expect(await guardRequestBody(new Request('http://admin.test/'), '/')).toBeNull();
  });
});
