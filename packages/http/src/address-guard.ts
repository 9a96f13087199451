// The SSRF guard of the one outbound client. Every URL Tether fetches came from someone else
// (an admin's form, an LMS's configuration, a launch claim), so before a connection is opened
// the host is resolved and every address it resolves to must be a public unicast address;
// the connection then goes to those vetted addresses only (see `sharedPinnedDispatcher`), so a
// second DNS answer cannot point it elsewhere (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';
import { HttpError } from './http-error.js';

/** Resolves a host name to all its addresses (node:dns `lookup` with `all: true` by default). */
export type HostLookup = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookup: HostLookup = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** Where a request may connect: the URL's host name and the addresses it was vetted for. */
export interface VettedTarget {
  hostname: string;
  /** Undefined for an allow-listed host: it is resolved as usual when the socket opens. */
  addresses: LookupAddress[] | undefined;
}

/**
 * Public unicast only. Everything `ipaddr.js` files under another range — loopback, private,
 * link-local (169.254/16: cloud metadata), CGNAT, multicast, unspecified, broadcast, reserved,
 * unique-local, NAT64/6to4/Teredo (they embed an IPv4 address) — is refused. IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`) is judged as the IPv4 address it maps to.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    // IPv4-compatible `::a.b.c.d` (deprecated) is "unicast" to ipaddr.js; no LMS lives there.
    else if (v6.parts.slice(0, 6).every((p) => p === 0)) return false;
  }
  return parsed.range() === 'unicast';
}

/** The URL's host name without IPv6 brackets, lower-case. */
function bareHostname(url: URL): string {
  const h = url.hostname.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * An allow-list entry is a host (any port) or `host:port`; IPv6 as `::1` or `[::1]:8080`.
 * Compared lower-case: URL parsing lower-cases hosts and admins may not.
 */
export function isHostAllowed(url: URL, allowPrivateHosts: readonly string[] | undefined): boolean {
  if (allowPrivateHosts === undefined || allowPrivateHosts.length === 0) return false;
  const host = bareHostname(url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const withPort = [`${host}:${port}`, `[${host}]:${port}`];
  return allowPrivateHosts.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === host || entry === `[${host}]`) return true;
    return withPort.includes(entry);
  });
}

/**
 * Resolves the URL's host and checks every address. Refused ⇒ `http_address_refused`, whose
 * message names the host only: nothing about ports or what (if anything) listens there.
 * Allow-listed hosts are neither resolved nor checked here (local test LMSes).
 */
export async function vetTarget(url: URL, method: string, allowPrivateHosts: readonly string[] | undefined, lookup: HostLookup): Promise<VettedTarget> {
  const hostname = bareHostname(url);
  if (isHostAllowed(url, allowPrivateHosts)) return { hostname, addresses: undefined };
  const literal = isIP(hostname);
  let addresses: LookupAddress[];
  if (literal !== 0) {
    addresses = [{ address: hostname, family: literal }];
  } else {
    try {
      addresses = await lookup(hostname);
    } catch (err) {
      // An unknown host reads like any other unreachable host.
      throw new HttpError('http_network', `${method} ${url.origin}${url.pathname} failed (the host name could not be resolved)`, {
        details: { url: `${url.origin}${url.pathname}`, method, reason: 'network', error: 'dns' },
        cause: err,
      });
    }
    if (addresses.length === 0) {
      throw new HttpError('http_network', `${method} ${url.origin}${url.pathname} failed (the host name could not be resolved)`, {
        details: { url: `${url.origin}${url.pathname}`, method, reason: 'network', error: 'dns' },
      });
    }
  }
  // One private answer among public ones refuses the host: which one the socket would pick is
  // not ours to guess.
  if (!addresses.every((a) => isPublicAddress(a.address))) {
    throw new HttpError('http_address_refused', `${method} to ${hostname} refused: it is a private or internal network address`, {
      details: { host: hostname, method, reason: 'address_refused' },
    });
  }
  return { hostname, addresses };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A lookup that answers with the vetted addresses only (or, allow-listed, an ordinary lookup). */
function pinnedLookup(pins: Map<string, LookupAddress[] | undefined>) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    const host = hostname.toLowerCase();
    const pinned = pins.get(host);
    if (pins.has(host) && pinned === undefined) {
      // Allow-listed: an ordinary lookup.
      dnsLookup(host, { all: true, verbatim: true }, (err, all) => {
        if (err) callback(err, []);
        else if (options?.all === true) callback(null, all);
        else callback(null, all[0]?.address ?? '', all[0]?.family);
      });
      return;
    }
    if (pinned === undefined || pinned.length === 0) {
      const err: NodeJS.ErrnoException = new Error(`no vetted address for ${hostname}`);
      err.code = 'ENOTFOUND';
      callback(err, []);
      return;
    }
    if (options?.all === true) callback(null, pinned);
    else callback(null, pinned[0]?.address ?? '', pinned[0]?.family);
  };
}

/** Kept-alive agents, least recently used first; a few hosts (the LMSes of a deployment) at a time. */
const MAX_SHARED_AGENTS = 64;
const sharedAgents = new Map<string, Agent>();

/**
 * The process's kept-alive dispatcher for one vetted target: connections are reused across
 * `send()` calls (a grade worker posts hundreds of scores a second to one LMS; a fresh TCP
 * connection per post is most of its cost), and stay safe to reuse because an agent belongs
 * to one host AND the exact addresses it was vetted for — a new DNS answer is a new agent,
 * so a socket is never reused under another vetting. An allow-listed host (its addresses
 * unchecked) has an agent of its own, reached only by requests allowed to go there.
 */
export function sharedPinnedDispatcher(target: VettedTarget): Dispatcher {
  const key =
    target.addresses === undefined
      ? `${target.hostname} allow-listed`
      : `${target.hostname} ${target.addresses
          .map((a) => `${a.family}/${a.address}`)
          .sort()
          .join(',')}`;
  let agent = sharedAgents.get(key);
  if (agent !== undefined) {
    sharedAgents.delete(key); // most recently used last
    sharedAgents.set(key, agent);
    return agent;
  }
  agent = new Agent({ connect: { lookup: pinnedLookup(new Map([[target.hostname, target.addresses]])) } });
  sharedAgents.set(key, agent);
  if (sharedAgents.size > MAX_SHARED_AGENTS) {
    const [oldest, old] = sharedAgents.entries().next().value as [string, Agent];
    sharedAgents.delete(oldest);
    // close() lets requests in flight finish.
    void old.close().catch(() => undefined);
  }
  return agent;
}
