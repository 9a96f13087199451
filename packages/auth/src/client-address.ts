// Who is asking, as far as the network can tell: the socket's address, or — only when the
// socket is one of the TRUSTED_PROXIES — the address those proxies put in X-Forwarded-For.
// One module for the runtime and the dashboard, so both count a client the same way.
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = readonly [Address, number];

/** Parsed TRUSTED_PROXIES: address ranges whose X-Forwarded-For entries are believed. */
export type TrustedProxies = readonly Range[];

/** The key for a client whose address could not be read (no socket address: a test request). */
export const UNKNOWN_ADDRESS = 'unknown';

/** An address in dotted-quad IPv4 or IPv6; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. */
function parseAddress(raw: string): Address | undefined {
  // Proxies differ: some add a port (`1.2.3.4:80`, `[::1]:80`), some bracket IPv6.
  const s = raw
    .trim()
    .replace(/^\[([^\]]+)\](?::\d+)?$/, '$1')
    .replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  // Only the canonical forms: `ipaddr.isValid` also takes `0x7f.1`-style IPv4, which no proxy writes.
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  if (ipaddr.IPv6.isValid(s)) return ipaddr.process(s);
  return undefined;
}

function parseRange(entry: string): Range | undefined {
  if (entry.includes('/')) {
    if (!ipaddr.isValidCIDR(entry)) return undefined;
    const [addr, bits] = ipaddr.parseCIDR(entry);
    // `::ffff:10.0.0.0/104` written for an IPv4 range: match it as the IPv4 range it is.
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
    return [addr, bits];
  }
  const addr = parseAddress(entry);
  return addr ? [addr, addr.kind() === 'ipv4' ? 32 : 128] : undefined;
}

const entriesOf = (list: string) =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Parses a comma-separated list of addresses and CIDR ranges; throws on the first bad entry. */
export function parseTrustedProxies(list: string): TrustedProxies {
  return entriesOf(list).map((entry) => {
    const range = parseRange(entry);
    if (!range) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    return range;
  });
}

/**
 * The TRUSTED_PROXIES setting for an app's config schema: comma-separated IPs and CIDR ranges
 * (e.g. `10.0.0.0/8, 127.0.0.1`) of the reverse proxies in front of this app. Empty (the
 * default) believes no X-Forwarded-For at all.
 */
export const trustedProxiesSetting = z
  .string()
  .default('')
  .refine((v) => entriesOf(v).every((e) => parseRange(e) !== undefined), 'a comma-separated list of IP addresses or CIDR ranges (e.g. 10.0.0.0/8, 127.0.0.1)')
  .transform(parseTrustedProxies);

const isTrusted = (addr: Address, trusted: TrustedProxies) => trusted.some(([range, bits]) => addr.kind() === range.kind() && addr.match(range, bits));

/**
 * The client's address. Without trusted proxies it is the socket's, whatever the headers say
 * (a client can write any X-Forwarded-For). Behind trusted proxies, the X-Forwarded-For chain
 * is walked from the right — each trusted hop vouches for the entry to its left — and the
 * first address that is not a trusted proxy is the client.
 */
export function clientAddress(input: { socket: string | undefined; forwardedFor?: string | null | undefined; trustedProxies: TrustedProxies }): string {
  const socket = input.socket ? parseAddress(input.socket) : undefined;
  if (!socket) return UNKNOWN_ADDRESS;
  let current = socket;
  if (input.trustedProxies.length === 0) return current.toString();
  const chain = entriesOf(input.forwardedFor ?? '');
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(current, input.trustedProxies)) return current.toString();
    const next = parseAddress(chain[i] as string);
    // A trusted proxy that wrote garbage: count the request against that proxy, never the garbage.
    if (!next) return current.toString();
    current = next;
  }
  return current.toString();
}

/**
 * The rate-limit key for an address: IPv4 as is; IPv6 by its /64, since one subscriber
 * usually holds a whole /64 and could otherwise rotate through 2^64 keys.
 */
export function addressBucket(address: string): string {
  const addr = parseAddress(address);
  if (!addr) return address;
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}
