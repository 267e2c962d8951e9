import { ipaddr } from './ipaddr.ts';

/**
 * IPv6 prefixes that carry an IPv4 address from bit `at` on. Any IPv4 host can appear under
 * them (through a SIIT/NAT64 translator, a 6to4 relay, or a Teredo server of its own), so a
 * block inside one covers the IPv4 block of its remaining length.
 */
const IPV4_EMBEDDINGS: ReadonlyArray<{ readonly prefix: string; readonly at: number }> = [
  { prefix: '::ffff:0:0', at: 96 }, // IPv4-mapped
  { prefix: '64:ff9b::', at: 96 }, // NAT64 well-known prefix (RFC 6052)
  { prefix: '64:ff9b:1::', at: 48 }, // NAT64 local-use prefix with a /48 NSP (RFC 8215)
  { prefix: '2002::', at: 16 }, // 6to4 (RFC 3056)
  { prefix: '2001::', at: 32 }, // Teredo (RFC 4380): the server's IPv4 address
];

/** The narrowest IPv4 block that still holds public addresses of every kind: shorter than /8. */
const IPV4_CATCH_ALL_BITS = 8;

/**
 * trustProxy entries that cover (nearly) every address: `0.0.0.0/0`, `::/0`, `0.0.0.0/1`,
 * `::ffff:0.0.0.0/96`, and the IPv6 prefixes that embed every IPv4 address (NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`). With one of them any client's
 * X-Forwarded-For is believed, as with `trustProxy: true`. Every IPv4 block shorter than /8
 * and every IPv6 block shorter than /7 (fc00::/7 is the widest private one) holds public
 * addresses, so none names a proxy; inside an embedding prefix the same /8 bound applies to
 * the IPv4 part.
 */
export function catchAllProxyEntries(list: readonly unknown[]): string[] {
  return list.filter((entry): entry is string => typeof entry === 'string' && isCatchAll(entry.trim()));
}

function isCatchAll(entry: string): boolean {
  const slash = entry.lastIndexOf('/');
  if (slash === -1) return false;
  const bits = Number(entry.slice(slash + 1));
  if (!Number.isInteger(bits)) return false;
  const address = entry.slice(0, slash);
  if (!address.includes(':')) return bits < IPV4_CATCH_ALL_BITS;
  if (bits < 7) return true;
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return false;
  return IPV4_EMBEDDINGS.some(({ prefix, at }) => {
    if (!samePrefix(bytes, ipv6Bytes(prefix)!, Math.min(bits, at))) return false;
    // Wider than the embedding prefix: it contains all of it; inside it: the IPv4 part's length.
    return bits <= at || bits - at < IPV4_CATCH_ALL_BITS;
  });
}

function ipv6Bytes(address: string): number[] | undefined {
  const lib = ipaddr();
  try {
    return lib.IPv6.isValid(address) ? lib.IPv6.parse(address).toByteArray() : undefined;
  } catch {
    return undefined;
  }
}

/** True when `a` and `b` agree on their first `bits` bits. */
function samePrefix(a: readonly number[], b: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((a[bit / 8] ?? 0) & mask) !== ((b[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}
