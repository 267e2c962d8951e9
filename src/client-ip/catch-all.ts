/**
 * trustProxy entries that cover (nearly) every address: `0.0.0.0/0`, `::/0`, `0.0.0.0/1`,
 * `::ffff:0.0.0.0/96`. With one of them any client's X-Forwarded-For is believed, as with
 * `trustProxy: true`. Every IPv4 block shorter than /8 and every IPv6 block shorter than /7
 * (fc00::/7 is the widest private one) holds public addresses, so none names a proxy.
 */
export function catchAllProxyEntries(list: readonly unknown[]): string[] {
  return list.filter((entry): entry is string => typeof entry === 'string' && isCatchAll(entry.trim()));
}

function isCatchAll(entry: string): boolean {
  const slash = entry.lastIndexOf('/');
  if (slash === -1) return false;
  const bits = Number(entry.slice(slash + 1));
  if (!Number.isInteger(bits)) return false;
  const address = entry.slice(0, slash).toLowerCase();
  if (!address.includes(':')) return bits < 8;
  // IPv4-mapped (::ffff:a.b.c.d/96+n): the IPv4 block /n.
  if (/^(?:0{0,4}:){0,5}:?ffff:/.test(address) && address.includes('.')) return bits - 96 < 8;
  return bits < 7;
}
