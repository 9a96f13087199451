// The SSRF guard of send(): internal addresses are refused before anything is sent, every
// redirect hop is vetted, and the connection goes to the address that was vetted.
import type { LookupAddress } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedPinnedDispatcher } from '../src/address-guard.js';
import { type HostLookup, isHostAllowed, isPublicAddress, send } from '../src/index.js';
import { closeAfterEach, rejection, startServer as startTestServer, type TestRequestHandler } from '../src/testing.js';

const UA = 'tether-http-test/1.0';
const PUBLIC: LookupAddress = { address: '93.184.216.34', family: 4 };

const open = closeAfterEach(afterEach);
const startServer = async (handler: TestRequestHandler) => open.track(await startTestServer(handler));

/** A fetch that must never be called: the guard refuses before it. */
const mustNotFetch = (async () => {
  throw new Error('fetch must not be called');
}) as typeof fetch;

const answers =
  (...addresses: string[]): HostLookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('address guard', () => {
  const refused: Array<[string, string]> = [
    ['loopback', 'http://127.0.0.1:8080/'],
    ['loopback, another /8 address', 'http://127.1.2.3/'],
    ['private 10/8', 'http://10.0.0.1/'],
    ['private 172.16/12', 'http://172.16.5.4/'],
    ['private 192.168/16', 'http://192.168.1.1/'],
    ['link-local: cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT 100.64/10', 'http://100.64.0.1/'],
    ['multicast', 'http://224.0.0.1/'],
    ['unspecified 0.0.0.0', 'http://0.0.0.0:3000/'],
    ['broadcast', 'http://255.255.255.255/'],
    ['reserved 240/4', 'http://240.0.0.1/'],
    ['IPv6 loopback', 'http://[::1]:8080/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['IPv6 link-local fe80::/10', 'http://[fe80::1]/'],
    ['IPv6 unique-local fc00::/7', 'http://[fd00::1]/'],
    ['IPv6 multicast', 'http://[ff02::1]/'],
    ['IPv4-mapped IPv6 ::ffff:10.0.0.1', 'http://[::ffff:10.0.0.1]/'],
    ['IPv4-mapped IPv6 of the metadata address', 'http://[::ffff:169.254.169.254]/'],
    ['IPv4-compatible IPv6 ::10.0.0.1', 'http://[::10.0.0.1]/'],
    ['NAT64 64:ff9b::/96', 'http://[64:ff9b::a00:1]/'],
    ['6to4 2002::/16', 'http://[2002:a00:1::]/'],
    ['decimal-encoded loopback (URL parsing normalises it)', 'http://2130706433/'],
    ['hex-encoded private address', 'http://0x0a000001/'],
  ];

  it.each(refused)('refuses %s with http_address_refused, sending nothing', async (_name, url) => {
    const err = await rejection(send({ url, userAgent: UA, fetch: mustNotFetch }));
    expect(err.code).toBe('http_address_refused');
    expect(err.retryable).toBe(false);
    expect(err.details.reason).toBe('address_refused');
  });

  it('refuses without a connection attempt: the global fetch path too', async () => {
    const srv = await startServer((_req, res) => res.end('secret'));
    const err = await rejection(send({ url: `${srv.url}/admin`, userAgent: UA }));
    expect(err.code).toBe('http_address_refused');
    expect(srv.seen).toHaveLength(0);
  });

  it('names the host, and nothing about ports or what answered', async () => {
    const err = await rejection(send({ url: 'http://10.0.0.1:6379/', userAgent: UA, fetch: mustNotFetch }));
    expect(err.message).toContain('10.0.0.1');
    expect(err.message).not.toContain('6379');
    expect(err.message).not.toMatch(/ECONN|refused \(|timeout|TLS/i);
  });

  it('refuses a hostname that resolves to a private address', async () => {
    const err = await rejection(send({ url: 'https://intranet.lms.example/jwks', userAgent: UA, fetch: mustNotFetch, lookup: answers('10.1.2.3') }));
    expect(err).toMatchObject({ code: 'http_address_refused', details: { host: 'intranet.lms.example' } });
  });

  it('refuses a hostname when any one of its addresses is private', async () => {
    const err = await rejection(send({ url: 'https://mixed.lms.example/', userAgent: UA, fetch: mustNotFetch, lookup: answers(PUBLIC.address, '::ffff:127.0.0.1') }));
    expect(err.code).toBe('http_address_refused');
  });

  it('lets a public address through', async () => {
    const seen: string[] = [];
    const fake = (async (input: string | URL | Request) => {
      seen.push(String(input));
      return new Response('ok');
    }) as typeof fetch;
    const res = await send({ url: 'https://lms.example/x', userAgent: UA, fetch: fake, lookup: answers(PUBLIC.address, '2606:2800:220:1:248:1893:25c8:1946') });
    expect(res.text).toBe('ok');
    expect(seen).toEqual(['https://lms.example/x']);
  });

  it('vets every redirect hop: a redirect from an allowed host to a refused address is refused', async () => {
    const srv = await startServer((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    const err = await rejection(send({ url: `${srv.url}/start`, userAgent: UA, allowPrivateHosts: ['127.0.0.1'], redirects: { follow: () => true, max: 3 } }));
    expect(err).toMatchObject({ code: 'http_address_refused', details: { host: '169.254.169.254' } });
    expect(srv.seen).toHaveLength(1);
  });

  it('vets every redirect hop: a redirect to a host name that resolves privately is refused', async () => {
    const calls: string[] = [];
    const fake = (async (input: string | URL | Request) => {
      calls.push(String(input));
      return new Response(null, { status: 302, headers: { location: 'https://internal.lms.example/' } });
    }) as typeof fetch;
    const lookup: HostLookup = async (host) => [host === 'lms.example' ? PUBLIC : { address: '192.168.0.10', family: 4 }];
    const err = await rejection(send({ url: 'https://lms.example/', userAgent: UA, fetch: fake, lookup, redirects: { follow: () => true, max: 3 } }));
    expect(err.code).toBe('http_address_refused');
    expect(calls).toEqual(['https://lms.example/']);
  });

  it('DNS rebinding: the connection goes to the vetted address, the host is not resolved again', async () => {
    // A local server stands for the internal target the second DNS answer points to.
    const internal = await startServer((_req, res) => res.end('internal'));
    let lookups = 0;
    // Public for the check, loopback for anyone who asks again.
    const publicThenPrivate: HostLookup = async () => {
      lookups++;
      return [lookups === 1 ? { address: '1.1.1.1', family: 4 } : { address: '127.0.0.1', family: 4 }];
    };
    const port = new URL(internal.url).port;
    const err = await rejection(send({ url: `http://rebind.lms.example:${port}/secret`, userAgent: UA, lookup: publicThenPrivate, timeoutMs: 400 }));
    // The vetted public address does not answer here (no route, or too slow): a transport error,
    // never the internal server's answer.
    expect(['http_network', 'http_timeout']).toContain(err.code);
    expect(lookups).toBe(1);
    expect(internal.seen).toHaveLength(0);
  });

  it('the pinned dispatcher connects to the vetted address without asking DNS, and only for its host', async () => {
    const srv = await startServer((req, res) => res.end(`host=${req.headers.host}`));
    const port = new URL(srv.url).port;
    // The name does not exist in DNS: only the pin can take the socket anywhere.
    const dispatcher = sharedPinnedDispatcher({ hostname: 'pinned.invalid', addresses: [{ address: '127.0.0.1', family: 4 }] });
    const res = await fetch(`http://pinned.invalid:${port}/x`, { dispatcher } as RequestInit);
    expect(await res.text()).toBe(`host=pinned.invalid:${port}`);
    // Another host cannot be reached through it.
    await expect(fetch(`http://other.invalid:${port}/x`, { dispatcher } as RequestInit)).rejects.toThrow();
    // The same host vetted to other addresses (a new DNS answer) gets another agent: no socket is reused across vettings.
    expect(sharedPinnedDispatcher({ hostname: 'pinned.invalid', addresses: [{ address: '127.0.0.2', family: 4 }] })).not.toBe(dispatcher);
    expect(sharedPinnedDispatcher({ hostname: 'pinned.invalid', addresses: [{ address: '127.0.0.1', family: 4 }] })).toBe(dispatcher);
  });

  it('the allow-list lets a named host through (host, or host:port), and nothing else', async () => {
    const srv = await startServer((_req, res) => res.end('local lms'));
    const port = new URL(srv.url).port;
    expect((await send({ url: `${srv.url}/x`, userAgent: UA, allowPrivateHosts: ['127.0.0.1'] })).text).toBe('local lms');
    expect((await send({ url: `${srv.url}/x`, userAgent: UA, allowPrivateHosts: [`127.0.0.1:${port}`] })).text).toBe('local lms');
    const otherPort = await rejection(send({ url: `${srv.url}/x`, userAgent: UA, allowPrivateHosts: ['127.0.0.1:1'] }));
    expect(otherPort.code).toBe('http_address_refused');
    const otherHost = await rejection(send({ url: 'http://10.0.0.1/', userAgent: UA, allowPrivateHosts: ['127.0.0.1'], fetch: mustNotFetch }));
    expect(otherHost.code).toBe('http_address_refused');
    expect(srv.seen).toHaveLength(2);
  });

  it('classifies addresses', () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
    expect(isPublicAddress('::ffff:93.184.216.34')).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.100.100.200',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    expect(isHostAllowed(new URL('http://LocalHost:3000/'), ['localhost'])).toBe(true);
    expect(isHostAllowed(new URL('http://[::1]:3000/'), ['[::1]:3000'])).toBe(true);
    expect(isHostAllowed(new URL('http://[::1]:3000/'), ['::1'])).toBe(true);
    expect(isHostAllowed(new URL('https://lms.example/'), ['lms.example:443'])).toBe(true);
    expect(isHostAllowed(new URL('https://lms.example/'), ['lms.example:80'])).toBe(false);
  });
});
