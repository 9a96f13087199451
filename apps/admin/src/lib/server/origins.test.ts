// The dashboard's cross-site form check: ORIGIN always, its loopback aliases only outside
// production, and a refusal that names the address and the setting.
import { describe, expect, it } from 'vitest';
import { allowedOrigins, crossSiteRefusal } from './origins';

const form = (origin: string | null, type = 'application/x-www-form-urlencoded', method = 'POST') =>
  new Request('http://localhost:3000/login', { method, headers: { 'content-type': type, ...(origin ? { origin } : {}) }, body: method === 'GET' ? null : 'a=1' });

describe('dashboard origins', () => {
  it('outside production, localhost, 127.0.0.1 and [::1] on the same port are the same dashboard', () => {
    expect(allowedOrigins('http://localhost:3000', false)).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']);
    expect(allowedOrigins('http://127.0.0.1:3000', false)[0]).toBe('http://127.0.0.1:3000');
  });

  it('in production, or on a real host name, only ORIGIN', () => {
    expect(allowedOrigins('http://localhost:3000', true)).toEqual(['http://localhost:3000']);
    expect(allowedOrigins('https://tether.example.edu', false)).toEqual(['https://tether.example.edu']);
  });

  it('a form from 127.0.0.1 is accepted in development when ORIGIN says localhost', () => {
    expect(crossSiteRefusal(form('http://127.0.0.1:3000'), '/login', allowedOrigins('http://localhost:3000', false))).toBeNull();
  });

  it('refuses a form from another origin with a page naming the address and ORIGIN (cross_site_form)', async () => {
    const res = crossSiteRefusal(form('http://127.0.0.1:3000'), '/login', allowedOrigins('http://localhost:3000', true));
    expect(res?.status).toBe(403);
    expect(res?.headers.get('x-tether-error')).toBe('cross_site_form');
    expect(res?.headers.get('content-type')).toContain('text/html');
    const text = await res!.text();
    expect(text).toContain('sent from http://127.0.0.1:3000');
    expect(text).toContain('http://localhost:3000');
    expect(text).toContain('ORIGIN');
  });

  it('refuses a simple form request without an Origin header', () => {
    expect(crossSiteRefusal(form(null), '/login', ['http://localhost:3000'])?.status).toBe(403);
  });

  it('an API refusal is JSON with the code', async () => {
    const res = crossSiteRefusal(form('https://evil.example', 'application/json'), '/api/trpc/x', ['http://localhost:3000']);
    expect(res?.status).toBe(403);
    expect(((await res!.json()) as { error: { code: string } }).error.code).toBe('cross_site_form');
  });

  it('lets safe methods and Origin-less JSON (scripts) through', () => {
    expect(crossSiteRefusal(form('https://evil.example', 'text/html', 'GET'), '/', ['http://localhost:3000'])).toBeNull();
    expect(crossSiteRefusal(form(null, 'application/json'), '/api/trpc/x', ['http://localhost:3000'])).toBeNull();
  });
});
