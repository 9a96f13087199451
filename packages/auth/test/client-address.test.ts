// The client address both apps count: the socket's, unless TRUSTED_PROXIES vouch for X-Forwarded-For.
import { describe, expect, it } from 'vitest';
import { addressBucket, clientAddress, parseTrustedProxies, trustedProxiesSetting, UNKNOWN_ADDRESS } from '../src/index.js';

const proxies = parseTrustedProxies('10.0.0.0/8, 192.168.1.1, fd00::/8');

describe('clientAddress', () => {
  it('without TRUSTED_PROXIES a forged X-Forwarded-For is ignored: the socket counts', () => {
    expect(clientAddress({ socket: '203.0.113.7', forwardedFor: '1.2.3.4', trustedProxies: [] })).toBe('203.0.113.7');
  });

  it('an untrusted socket is the client even with trusted proxies configured', () => {
    expect(clientAddress({ socket: '203.0.113.7', forwardedFor: '10.0.0.1', trustedProxies: proxies })).toBe('203.0.113.7');
  });

  it('from a trusted proxy, the chain is walked from the right to the first untrusted hop', () => {
    // The client wrote "6.6.6.6" itself; the proxies appended 198.51.100.9 and 10.0.0.2.
    expect(clientAddress({ socket: '10.0.0.1', forwardedFor: '6.6.6.6, 198.51.100.9, 10.0.0.2', trustedProxies: proxies })).toBe('198.51.100.9');
  });

  it('when every hop is a trusted proxy, the leftmost is the client', () => {
    expect(clientAddress({ socket: '10.0.0.1', forwardedFor: '192.168.1.1', trustedProxies: proxies })).toBe('192.168.1.1');
  });

  it('garbage from a trusted proxy counts against that proxy, not the garbage', () => {
    expect(clientAddress({ socket: '10.0.0.1', forwardedFor: 'not-an-ip', trustedProxies: proxies })).toBe('10.0.0.1');
  });

  it('IPv4-mapped IPv6 sockets, ports and brackets are normalised', () => {
    expect(clientAddress({ socket: '::ffff:203.0.113.7', trustedProxies: [] })).toBe('203.0.113.7');
    expect(clientAddress({ socket: '::ffff:10.0.0.1', forwardedFor: '198.51.100.9:4431', trustedProxies: proxies })).toBe('198.51.100.9');
    expect(clientAddress({ socket: 'fd00::1', forwardedFor: '[2001:db8::1]:443', trustedProxies: proxies })).toBe('2001:db8::1');
  });

  it('no socket address: the unknown bucket', () => {
    expect(clientAddress({ socket: undefined, forwardedFor: '1.2.3.4', trustedProxies: proxies })).toBe(UNKNOWN_ADDRESS);
  });
});

describe('TRUSTED_PROXIES and buckets', () => {
  it('the setting takes IPs and CIDR ranges, empty by default, and names a bad entry', () => {
    expect(trustedProxiesSetting.parse(undefined)).toEqual([]);
    expect(trustedProxiesSetting.parse('127.0.0.1, 10.0.0.0/8, ::1')).toHaveLength(3);
    const bad = trustedProxiesSetting.safeParse('10.0.0.0/8, proxy.internal');
    expect(bad.success).toBe(false);
  });

  it('IPv6 is counted per /64, IPv4 per address', () => {
    expect(addressBucket('2001:db8:1:2::1')).toBe(addressBucket('2001:db8:1:2:ffff::9'));
    expect(addressBucket('2001:db8:1:2::1')).not.toBe(addressBucket('2001:db8:1:3::1'));
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
  });
});
