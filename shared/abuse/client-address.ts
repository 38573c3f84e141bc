// Keys of the address rules: the client's address (IPv4-mapped IPv6 as plain IPv4) and its
// network prefix, /24 for IPv4 and /64 for IPv6, so one host cannot dodge a limit by rotating
// the addresses of its own network.
import { isIP } from 'node:net';

/** 203.0.113.7 for ::ffff:203.0.113.7; IPv6 in its expanded, lower-case form. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return isIP(lower) === 6 ? expandIpv6(lower).join(':') : lower;
}

/** 203.0.113.0/24 for 203.0.113.7; 2001:db8:0:1::/64 style key for IPv6. */
export function addressPrefix(address: string): string {
  const normal = normalizeAddress(address);
  if (isIP(normal) === 4) return `${normal.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIP(normal) === 6) return `${normal.split(':').slice(0, 4).join(':')}::/64`;
  return normal;
}

/**
 * The client of an HTTP request (BOSH, WebSocket upgrade) for the address rules. A reverse proxy on
 * this host (`fromLocalProxy`: a loopback peer, the one trusted for X-Forwarded-Proto too) appends
 * the address it received the request from to X-Forwarded-For (deploy/nginx/pampero.conf): the
 * last entry is the client; entries before it are the client's own word and are not trusted.
 * Anyone else, or a header without a valid address, is the client itself.
 */
export function httpClientAddress(peer: string, forwardedFor: string, fromLocalProxy: boolean): string {
  if (!fromLocalProxy || !forwardedFor) return peer;
  const last = forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim();
  return isIP(last) ? last : peer;
}

function expandIpv6(address: string): string[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => group.padStart(4, '0'));
}
