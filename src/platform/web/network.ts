import crypto from 'node:crypto';
import net from 'node:net';

/** Expands an IPv6 address to its eight groups ("2001:db8::1" → ["2001","db8","0",…,"1"]). */
function ipv6Groups(ip: string): string[] | null {
  const [head, tail] = ip.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  if (ip.split('::').length > 2) return null;
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((g) =>
    g.toLowerCase().replace(/^0+(?=.)/, ''),
  );
}

/**
 * The network a request counts against: the address itself for IPv4 (and IPv4 mapped into
 * IPv6), the /64 for IPv6, because one IPv6 subscriber holds a whole /64 and could otherwise
 * take a fresh address for every request.
 */
export function limitNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (net.isIPv6(ip)) {
    const groups = ipv6Groups(ip.split('%')[0]);
    if (groups) return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return ip;
}

/** A keyed hash of the network, so limit counters never hold an address. */
export function limitKeyForIp(secret: string, ip: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`limit-ip:${limitNetwork(ip)}`)
    .digest('hex')
    .slice(0, 32);
}

export function limitKeyFor(secret: string, kind: 'email' | 'domain', value: string): string {
  return crypto.createHmac('sha256', secret).update(`limit-${kind}:${value}`).digest('hex').slice(0, 32);
}
