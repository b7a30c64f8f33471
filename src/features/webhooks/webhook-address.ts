import dns from 'node:dns';
import net from 'node:net';

/**
 * Where a webhook may not go in production: the platform's own machine and networks, and
 * addresses that are not unicast on the public internet. A webhook URL is a request the server
 * makes for whoever owns a letter; without this it would reach databases, metadata services and
 * admin pages behind the firewall (SSRF).
 */
const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT, RFC 2765): an IPv4 address behind a translator
  ['64:ff9b::', 96], // NAT64: would reach IPv4 addresses through a gateway
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local (ULA)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** IPv4 written inside IPv6 (mapped ::ffff:0:0/96, and the old compatible ::/96): never a public IPv6 host. */
const v4InV6 = new net.BlockList();
v4InV6.addSubnet('::ffff:0:0', 96, 'ipv6');
v4InV6.addSubnet('::', 96, 'ipv6');

/** Whether an IP address is public unicast (an IPv4-mapped IPv6 address is judged as its IPv4). */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  // ::ffff:7f00:1 and other mapped or compatible forms of IPv4 written in hex.
  if (blocked.check(address, 'ipv6')) return false;
  return !v4InV6.check(address, 'ipv6');
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export type UrlProblem =
  | 'webhooks.errors.urlInvalid'
  | 'webhooks.errors.httpsRequired'
  | 'webhooks.errors.privateAddress'
  | 'webhooks.errors.unresolvable';

/**
 * Why a webhook URL cannot be used, or null. Without `allowPrivate` (production): https only,
 * and the host must resolve to public addresses only (every answer: a name that resolves to one
 * public and one private address would reach the private one half the time).
 */
export async function webhookUrlProblem(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<UrlProblem | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhooks.errors.urlInvalid';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'webhooks.errors.urlInvalid';
  if (url.username || url.password || !url.hostname) return 'webhooks.errors.urlInvalid';
  if (allowPrivate) return null;
  if (url.protocol !== 'https:') return 'webhooks.errors.httpsRequired';
  try {
    await publicAddressesOf(url.hostname, false, resolve);
  } catch (err) {
    return err instanceof PrivateAddress ? 'webhooks.errors.privateAddress' : 'webhooks.errors.unresolvable';
  }
  return null;
}

export class PrivateAddress extends Error {
  readonly code = 'private-address';
}

/** The addresses a host resolves to, all checked public unless `allowPrivate`; throws PrivateAddress otherwise. */
export async function publicAddressesOf(
  hostname: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<ResolvedAddress[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = net.isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolve(host);
  if (!addresses.length) throw new Error('no address');
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) throw new PrivateAddress('private address');
  return addresses;
}
