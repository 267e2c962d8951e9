/**
 * Where the scanner may connect. Every address a scan connects to is classified (public, or
 * the non-public range it lies in: loopback, private, linkLocal, uniqueLocal, unspecified,
 * carrierGradeNat, reserved, …). Public is always allowed; a non-public class only when the
 * scanned target itself resolved into it, or with `--allow-private`. The check runs on the
 * addresses the socket is about to use (a `lookup` hook), so a name that resolves differently
 * at connect time (DNS rebinding) is caught too.
 * @module
 */
import { lookup as dnsLookup, type LookupOptions } from 'node:dns';
import net from 'node:net';
import { ipAddressClass } from '../client-ip/address-class.ts';

/** Resolves a host name to every address it has (the test hook; default: the system resolver). */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** The address classes a scan may connect to, or `'all'` (`--allow-private`). */
export type AllowedClasses = ReadonlySet<string> | 'all';

/** The class of a public unicast address. */
export const PUBLIC = 'public';

/**
 * The class of an IP address: `'public'` for global unicast, else the non-public range's name
 * (`loopback`, `private`, `linkLocal`, `uniqueLocal`, `unspecified`, `carrierGradeNat`,
 * `multicast`, `broadcast`, `reserved`, `6to4`, `teredo`, …); IPv6 that embeds an IPv4 address
 * (`::ffff:a.b.c.d`, `::a.b.c.d`) is never public on its own; anything unparsable `'invalid'`.
 * The one classifier `checkUrl` uses too (src/client-ip/address-class.ts).
 */
export function addressClass(address: string): string {
  return ipAddressClass(address);
}

/** Null when `address` may be connected to, else why not (for the report). */
export function refusal(address: string, allowed: AllowedClasses): string | null {
  const kind = addressClass(address);
  if (kind === PUBLIC || allowed === 'all' || allowed.has(kind)) return null;
  return `${address} is a ${kind} address and the scanned site is not (--allow-private follows it)`;
}

/** A connection the address policy refused; the scan records it instead of connecting. */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

/** The system resolver: every address, in the resolver's order. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

/** The classes of every address `host` (a name or an IP literal) resolves to. */
export async function classesOf(host: string, resolve: Resolver): Promise<Set<string>> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const addresses = net.isIP(bare) === 0 ? await resolve(bare) : [bare];
  return new Set(addresses.map(addressClass));
}

/**
 * A `lookup` for http.request / tls.connect: resolves with `resolve`, then refuses the
 * connection (RefusedAddressError) when ANY resolved address is outside `allowed`, so a
 * name that mixes a public and a private address cannot pick the private one later.
 */
export function guardedLookup(allowed: AllowedClasses, resolve: Resolver = systemResolver): net.LookupFunction {
  return (hostname: string, options: LookupOptions, callback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    resolve(hostname).then(
      (found) => {
        const wanted = family === 4 || family === 6 ? found.filter((a) => net.isIP(a) === family) : found;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), '');
          return;
        }
        for (const address of wanted) {
          const why = refusal(address, allowed);
          if (why !== null) {
            callback(new RefusedAddressError(`${hostname} resolves to ${why}`), '');
            return;
          }
        }
        const list = wanted.map((address) => ({ address, family: net.isIP(address) }));
        if (options.all === true) callback(null, list);
        else callback(null, list[0]?.address ?? '', list[0]?.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
