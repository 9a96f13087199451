import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, isHttpError, send } from '../src/index.js';
import { closeAfterEach, rejection, startServer as startTestServer, type TestRequestHandler } from '../src/testing.js';

const UA = 'tether-http-test/1.0';
// The test servers listen on 127.0.0.1: the address guard lets it through only by name.
const LOCAL = ['127.0.0.1'];

// Every server a test starts is closed after it.
const open = closeAfterEach(afterEach);
const startServer = async (handler: TestRequestHandler) => open.track(await startTestServer(handler));

describe('send', () => {
  it('sends method, headers, body and the User-Agent; reads status, headers and text', async () => {
    const srv = await startServer((_req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo': body });
      res.end(JSON.stringify({ ok: true }));
    });
    const res = await send({ url: `${srv.url}/things?x=1`, method: 'post', headers: { accept: 'application/json' }, body: 'hello', userAgent: UA, allowPrivateHosts: LOCAL });
    expect(res).toMatchObject({ status: 201, ok: true, url: `${srv.url}/things?x=1`, text: '{"ok":true}', truncated: false });
    expect(res.headers.get('x-echo')).toBe('hello');
    expect(srv.seen[0]).toMatchObject({ method: 'POST', url: '/things?x=1', body: 'hello' });
    expect(srv.seen[0]!.headers['user-agent']).toBe(UA);
    expect(srv.seen[0]!.headers.accept).toBe('application/json');
  });

  it('requires a User-Agent and an absolute http(s) URL before sending anything', async () => {
    await expect(send({ url: 'https://lms.example/', userAgent: ' ' })).rejects.toThrow(/userAgent/);
    const relative = await rejection(send({ url: '/x?token=secret', userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(relative).toMatchObject({ code: 'http_invalid_url', retryable: false });
    expect(JSON.stringify(relative.details)).not.toContain('secret');
    expect((await rejection(send({ url: 'ftp://lms.example/x', userAgent: UA, allowPrivateHosts: LOCAL }))).code).toBe('http_invalid_url');
  });

  it('returns a non-2xx answer with its body cut at maxErrorBytes', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end('x'.repeat(20_000));
    });
    const res = await send({ url: srv.url, userAgent: UA, allowPrivateHosts: LOCAL, maxErrorBytes: 100 });
    expect(res).toMatchObject({ status: 503, ok: false, truncated: true });
    expect(res.body.byteLength).toBe(100);
  });

  it('refuses a 2xx body over the cap, announced by Content-Length or streamed', async () => {
    const big = 'y'.repeat(50_000);
    const announced = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(big.length) });
      res.end(big);
    });
    const streamed = await startServer((_req, res) => {
      res.writeHead(200); // chunked
      for (let i = 0; i < big.length; i += 4096) res.write(big.slice(i, i + 4096));
      res.end();
    });
    const a = await rejection(send({ url: `${announced.url}/a?sig=abc`, userAgent: UA, allowPrivateHosts: LOCAL, maxBytes: 1000 }));
    expect(a).toBeInstanceOf(HttpError);
    expect(a).toMatchObject({ code: 'http_too_large', status: 200, retryable: false, details: { maxBytes: 1000, contentLength: 50_000 } });
    expect(a.details.url).toBe(`${announced.url}/a`);
    const s = await rejection(send({ url: streamed.url, userAgent: UA, allowPrivateHosts: LOCAL, maxBytes: 1000 }));
    expect(s).toMatchObject({ code: 'http_too_large', details: { maxBytes: 1000 } });
    expect(s.details.contentLength).toBeUndefined();
  });

  it('times out a server that never answers, or stops mid-body, within one budget', async () => {
    const hang = await startServer(() => undefined);
    const started = Date.now();
    const err = await rejection(send({ url: hang.url, userAgent: UA, allowPrivateHosts: LOCAL, timeoutMs: 150 }));
    expect(err).toMatchObject({ code: 'http_timeout', retryable: true, details: { reason: 'timeout', timeoutMs: 150, method: 'GET' } });
    expect(err.message).toContain('150 ms');
    expect(Date.now() - started).toBeLessThan(2000);

    const slowBody = await startServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    expect((await rejection(send({ url: slowBody.url, userAgent: UA, allowPrivateHosts: LOCAL, timeoutMs: 150 }))).code).toBe('http_timeout');
  });

  it('maps a refused connection to retryable http_network with the system error code', async () => {
    const dead = await startServer(() => undefined);
    await dead.close();
    const err = await rejection(send({ url: dead.url, userAgent: UA, allowPrivateHosts: LOCAL }));
    expect(err).toMatchObject({ code: 'http_network', retryable: true, details: { reason: 'network', error: 'ECONNREFUSED' } });
    expect(isHttpError(err, 'http_network')).toBe(true);
  });

  describe('redirects', () => {
    const redirecting = (location: (path: string) => string, status = 302) =>
      startServer((req, res) => {
        if (req.url?.startsWith('/final')) {
          res.writeHead(200);
          res.end('done');
          return;
        }
        res.writeHead(status, { location: location(req.url ?? '') });
        res.end();
      });

    it('are refused by default, without contacting the target', async () => {
      const other = await startServer((_req, res) => res.end('stolen'));
      const srv = await redirecting(() => `${other.url}/final?t=1`);
      const err = await rejection(send({ url: `${srv.url}/start`, userAgent: UA, allowPrivateHosts: LOCAL, headers: { authorization: 'Bearer secret' } }));
      expect(err).toMatchObject({ code: 'http_redirect_refused', status: 302, details: { reason: 'refused', location: `${other.url}/final` } });
      expect(other.seen).toHaveLength(0);
    });

    it('same-origin: followed on the origin, keeping the headers; refused to another origin', async () => {
      const srv = await redirecting(() => '/final');
      const res = await send({
        url: `${srv.url}/start`,
        userAgent: UA,
        allowPrivateHosts: LOCAL,
        headers: { authorization: 'Bearer t' },
        redirects: { follow: 'same-origin', max: 3 },
      });
      expect(res).toMatchObject({ status: 200, text: 'done', url: `${srv.url}/final` });
      expect(srv.seen.map((s) => [s.url, s.headers.authorization])).toEqual([
        ['/start', 'Bearer t'],
        ['/final', 'Bearer t'],
      ]);

      const other = await startServer((_req, res) => res.end('x'));
      const away = await redirecting(() => `${other.url}/final`);
      const err = await rejection(send({ url: away.url, userAgent: UA, allowPrivateHosts: LOCAL, redirects: { follow: 'same-origin', max: 3 } }));
      expect(err).toMatchObject({ code: 'http_redirect_refused', details: { reason: 'not_allowed' } });
      expect(other.seen).toHaveLength(0);
    });

    it('a predicate decides, and may throw its own error', async () => {
      const srv = await redirecting(() => '/final');
      const seen: string[] = [];
      await send({
        url: srv.url,
        userAgent: UA,
        allowPrivateHosts: LOCAL,
        redirects: {
          follow: (to, first) => {
            seen.push(`${first.pathname}→${to.pathname}`);
            return true;
          },
          max: 1,
        },
      });
      expect(seen).toEqual(['/→/final']);
      const own = new Error('mine');
      await expect(
        send({
          url: srv.url,
          userAgent: UA,
          allowPrivateHosts: LOCAL,
          redirects: {
            follow: () => {
              throw own;
            },
            max: 1,
          },
        }),
      ).rejects.toBe(own);
    });

    it('gives up after max redirects, and on a missing Location', async () => {
      const loop = await redirecting((path) => `${path}x`, 301);
      const err = await rejection(send({ url: `${loop.url}/r`, userAgent: UA, allowPrivateHosts: LOCAL, redirects: { follow: 'same-origin', max: 3 } }));
      expect(err).toMatchObject({ code: 'http_redirect_refused', status: 301, details: { reason: 'too_many' } });
      expect(loop.seen).toHaveLength(4);

      const bare = await startServer((_req, res) => {
        res.writeHead(307);
        res.end();
      });
      expect((await rejection(send({ url: bare.url, userAgent: UA, allowPrivateHosts: LOCAL, redirects: { follow: 'same-origin', max: 3 } }))).details.reason).toBe('no_location');
    });

    it('303 turns a POST into a GET without body; 307 keeps both', async () => {
      const see = await redirecting(() => '/final', 303);
      await send({ url: see.url, method: 'POST', body: 'b', userAgent: UA, allowPrivateHosts: LOCAL, redirects: { follow: 'same-origin', max: 1 } });
      expect(see.seen.map((s) => [s.method, s.body])).toEqual([
        ['POST', 'b'],
        ['GET', ''],
      ]);
      const keep = await redirecting(() => '/final', 307);
      await send({ url: keep.url, method: 'POST', body: 'b', userAgent: UA, allowPrivateHosts: LOCAL, redirects: { follow: 'same-origin', max: 1 } });
      expect(keep.seen.map((s) => [s.method, s.body])).toEqual([
        ['POST', 'b'],
        ['POST', 'b'],
      ]);
    });
  });

  it('uses an injected fetch, always with redirect: manual and an abort signal', async () => {
    const calls: RequestInit[] = [];
    const fake = (async (_input: string | URL | Request, init?: RequestInit) => {
      calls.push(init ?? {});
      return new Response('ok');
    }) as typeof fetch;
    const res = await send({ url: 'https://lms.example/x', userAgent: UA, fetch: fake, lookup: async () => [{ address: '93.184.216.34', family: 4 }] });
    expect(res.text).toBe('ok');
    expect(calls[0]).toMatchObject({ method: 'GET', redirect: 'manual' });
    expect(calls[0]!.signal).toBeInstanceOf(AbortSignal);
  });
});
