import net from 'node:net';
import type IpAddr from 'ipaddr.js';
import { ipaddr } from './ipaddr.ts';

/**
 * The class of an IP address, shared by the SSRF guard (`checkUrl`) and the scanner's
 * connect policy: `'public'` for global unicast, else the non-public range it lies in —
 * ipaddr.js's names (`loopback`, `private`, `linkLocal`, `uniqueLocal`, `unspecified`,
 * `carrierGradeNat`, `multicast`, `broadcast`, `reserved`, `6to4`, `teredo`, `rfc6052`, …),
 * `'invalid'` for anything that is not an IP literal (IPv4 only in four-part decimal).
 *
 * IPv6 forms that embed an IPv4 address reach it on some stacks, so they never pass as
 * public on their own: IPv4-mapped (`::ffff:a.b.c.d`) takes its IPv4 address's class, and
 * so does IPv4-compatible (`::a.b.c.d`, `::/96`, deprecated by RFC 4291 §2.5.5.1) when that
 * class is non-public; with a public IPv4 inside, it is `'ipv4Compatible'` (refused: no
 * legitimate use). A zone id (`fe80::1%eth0`) is link-local. Brackets are accepted.
 */
export function ipAddressClass(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (bare.includes('%')) return 'linkLocal';
  if (net.isIP(bare) === 0) return 'invalid';
  let ip: IpAddr.IPv4 | IpAddr.IPv6;
  try {
    ip = ipaddr().parse(bare.includes(':') ? dottedTailAsHex(bare) : bare);
  } catch {
    return 'invalid';
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as IpAddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (isIpv4Compatible(v6)) {
      const inner = classOf(ipv4Inside(v6));
      return inner === PUBLIC_CLASS ? 'ipv4Compatible' : inner;
    }
  }
  return classOf(ip);
}

const PUBLIC_CLASS = 'public';

// ipaddr.js reads any `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`); spelt in hex, the
// address parses as what it is. The text already passed net.isIP, so the tail is a valid IPv4.
function dottedTailAsHex(v6: string): string {
  const dot = v6.indexOf('.');
  if (dot === -1) return v6;
  const colon = v6.lastIndexOf(':');
  const [a = 0, b = 0, c = 0, d = 0] = v6
    .slice(colon + 1)
    .split('.')
    .map(Number);
  return `${v6.slice(0, colon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function classOf(ip: IpAddr.IPv4 | IpAddr.IPv6): string {
  const range = ip.range();
  return range === 'unicast' ? PUBLIC_CLASS : range;
}

/** In `::/96` but not `::` or `::1` (which keep their own classes, unspecified and loopback). */
function isIpv4Compatible(ip: IpAddr.IPv6): boolean {
  const p = ip.parts;
  if (p[0] !== 0 || p[1] !== 0 || p[2] !== 0 || p[3] !== 0 || p[4] !== 0 || p[5] !== 0) return false;
  return p[6] !== 0 || (p[7] !== 0 && p[7] !== 1);
}

function ipv4Inside(ip: IpAddr.IPv6): IpAddr.IPv4 {
  const high = ip.parts[6] ?? 0;
  const low = ip.parts[7] ?? 0;
  return new (ipaddr().IPv4)([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
