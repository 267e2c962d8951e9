import { accountDigest } from '../core/account-digest.ts';
import type IpAddr from 'ipaddr.js';
import { ipaddr } from '../client-ip/ipaddr.ts';
import { parseIp } from '../client-ip/index.ts';
import { RampartError } from '../errors.ts';

/** A parsed blocklist target: one address or a CIDR range. */
export interface IpTarget {
  /** Canonical text (`192.0.2.1`, `2001:db8::/64`). */
  readonly text: string;
  readonly range: [IpAddr.IPv4 | IpAddr.IPv6, number] | undefined;
}

/** Parse and canonicalise an IP or CIDR; throws ERR_RAMPART_BLOCKLIST_TARGET. */
export function parseTarget(value: unknown): IpTarget {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw badTarget(value);
  const slash = value.indexOf('/');
  let ip: IpAddr.IPv4 | IpAddr.IPv6 | undefined;
  let bits: number;
  if (slash === -1) {
    ip = parseIp(value);
    if (ip === undefined) throw badTarget(value);
    if (ip.kind() === 'ipv4') return { text: ip.toString(), range: undefined };
    // One IPv6 address stands for its /64, as clients are keyed (the client picks the rest);
    // write '/128' to block exactly one address.
    bits = 64;
  } else {
    ip = parseIp(value.slice(0, slash));
    const bitsText = value.slice(slash + 1);
    bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  }
  const max = ip?.kind() === 'ipv4' ? 32 : 128;
  if (ip === undefined || !(bits >= 0 && bits <= max)) throw badTarget(value);
  if (bits === max) {
    // An IPv6 address alone means its /64, so one address keeps its '/128' (a range of one).
    return ip.kind() === 'ipv4' ? { text: ip.toString(), range: undefined } : { text: `${ip.toString()}/128`, range: [ip, 128] };
  }
  // Canonical network address: zero the host bits.
  const bytes = ip.toByteArray();
  for (let bit = bits; bit < max; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  const net = ipaddr().fromByteArray(bytes);
  return { text: `${net.toString()}/${bits}`, range: [net, bits] };
}

function badTarget(value: unknown): RampartError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
  return new RampartError('ERR_RAMPART_BLOCKLIST_TARGET', `${shown} is not an IP address or CIDR (use forms like '192.0.2.7', '10.0.0.0/8', '2001:db8::/64').`);
}

/**
 * The stored form of an account name: never the name itself (stores and logs may be
 * read by operators), but a digest of its normalised form, keyed when a secret is given.
 */
export function accountKey(account: unknown, secret?: string): string {
  if (typeof account !== 'string' || account.trim().length === 0) {
    throw new RampartError('ERR_RAMPART_BLOCKLIST_TARGET', 'The account name must be a non-empty string.');
  }
  return accountDigest(account, secret);
}
