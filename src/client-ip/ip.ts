import type IpAddr from 'ipaddr.js';
import { ipaddr } from './ipaddr.ts';

/**
 * Address helpers shared by the trusted-proxy walk, the host guard, allowlists and the
 * rate limiter. Parsing never throws: malformed input yields undefined.
 */

/** Reduce `::ffff:1.2.3.4` to `1.2.3.4` and strip an IPv6 zone / brackets. */
export function normalizeIp(address: string): string {
  if (address.length === 0) return address;
  // Fast path: plain dotted IPv4 from the socket.
  const c = address.charCodeAt(0);
  if (c >= 48 && c <= 57 && address.indexOf(':') === -1) return address;
  let a = address;
  if (a.charCodeAt(0) === 91 /* [ */) {
    const end = a.indexOf(']');
    a = end === -1 ? a.slice(1) : a.slice(1, end);
  }
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  if (a.length > 7 && (a.startsWith('::ffff:') || a.startsWith('::FFFF:')) && a.indexOf('.') !== -1) return a.slice(7);
  // IPv4 with a port ('203.0.113.7:51234', as some load balancers write X-Forwarded-For):
  // one colon after a dotted address. IPv6 has several colons and gives its port in brackets.
  const colon = a.indexOf(':');
  if (colon > 6 && colon === a.lastIndexOf(':') && a.lastIndexOf('.', colon) !== -1) return a.slice(0, colon);
  return a.toLowerCase();
}

/** Parse an address; IPv4-mapped IPv6 is returned as IPv4. */
export function parseIp(address: string): IpAddr.IPv4 | IpAddr.IPv6 | undefined {
  const a = normalizeIp(address.trim());
  const lib = ipaddr();
  if (!lib.isValid(a)) return undefined;
  // ipaddr.isValid accepts odd IPv4 forms (octal, hex, short); only four-part dotted decimal counts.
  if (a.indexOf(':') === -1 && !lib.IPv4.isValidFourPartDecimal(a)) return undefined;
  try {
    const parsed = lib.parse(a);
    if (parsed.kind() === 'ipv6' && (parsed as IpAddr.IPv6).isIPv4MappedAddress()) return (parsed as IpAddr.IPv6).toIPv4Address();
    return parsed;
  } catch {
    return undefined;
  }
}

/** True when the string is a valid IPv4 or IPv6 address. */
export function isIp(address: string): boolean {
  return parseIp(address) !== undefined;
}

/** A compiled list of addresses and CIDR ranges with a fast membership test. */
export interface IpMatcher {
  has(address: string): boolean;
  readonly size: number;
}

/**
 * Compile addresses and CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`) into a matcher.
 * Returns the entries that failed to parse so callers can raise a configuration error.
 */
export function compileIpList(entries: readonly string[]): { matcher: IpMatcher; invalid: string[] } {
  const exact = new Set<string>();
  const ranges: Array<[IpAddr.IPv4 | IpAddr.IPv6, number]> = [];
  const invalid: string[] = [];
  for (const raw of entries) {
    const entry = String(raw).trim();
    const slash = entry.indexOf('/');
    if (slash === -1) {
      const ip = parseIp(entry);
      if (ip === undefined) invalid.push(entry);
      else exact.add(ip.toString());
      continue;
    }
    const ip = parseIp(entry.slice(0, slash));
    const bitsText = entry.slice(slash + 1);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    const max = ip?.kind() === 'ipv4' ? 32 : 128;
    if (ip === undefined || !(bits >= 0 && bits <= max)) {
      invalid.push(entry);
      continue;
    }
    ranges.push([ip, bits]);
  }
  const cache = new Map<string, boolean>();
  const matcher: IpMatcher = {
    size: exact.size + ranges.length,
    has(address: string): boolean {
      const key = normalizeIp(address);
      if (exact.has(key)) return true;
      if (ranges.length === 0) return false;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const ip = parseIp(key);
      let result = false;
      if (ip !== undefined) {
        if (exact.has(ip.toString())) result = true;
        else {
          for (const [net, bits] of ranges) {
            if (net.kind() === ip.kind() && ip.match(net, bits)) {
              result = true;
              break;
            }
          }
        }
      }
      if (cache.size > 4096) cache.clear();
      cache.set(key, result);
      return result;
    },
  };
  return { matcher, invalid };
}

/**
 * The key an address is rate-limited or blocked by: IPv4 as is, IPv6 reduced to its
 * network prefix (default /64) so rotating through one allocation does not evade limits.
 */
export function ipKey(address: string, ipv6Prefix = 64): string {
  if (address.indexOf(':') === -1) return address;
  const ip = parseIp(address);
  if (ip === undefined) return address;
  if (ip.kind() === 'ipv4') return ip.toString();
  const bytes = ip.toByteArray();
  const keep = Math.max(0, Math.min(128, ipv6Prefix));
  for (let bit = keep; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${ipaddr().fromByteArray(bytes).toString()}/${keep}`;
}
