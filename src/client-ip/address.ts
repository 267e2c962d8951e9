import type { Middleware } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { normalizeIp, parseIp } from './ip.ts';

const keyedCache = new WeakMap<readonly Middleware[], readonly string[]>();

/**
 * Names of the middleware in `chain` that key by client address: those that declare
 * `clientKeyed: true` (rampart's `blocklist`, the CSP report endpoint, and `rateLimit` unless
 * it has its own `key` and no allowlist).
 */
export function clientKeyedMiddleware(chain: readonly Middleware[]): readonly string[] {
  let names = keyedCache.get(chain);
  if (names === undefined) {
    names = chain.filter((m) => m.clientKeyed === true).map((m) => m.name);
    keyedCache.set(chain, names);
  }
  return names;
}

/**
 * The peer address a fetch-style runtime gave for one request, checked: an address that is
 * not an IP counts as none, and with none while a middleware of `chain` keys by client the
 * request is refused with ERR_RAMPART_CONFIG naming the fix. Clients never share a key.
 */
export function requireClientAddress(chain: readonly Middleware[], remote: string | undefined | null): string {
  const address = typeof remote === 'string' && remote !== '' && parseIp(normalizeIp(remote)) !== undefined ? remote : '';
  if (address !== '') return address;
  const keyed = clientKeyedMiddleware(chain);
  if (keyed.length === 0) return '';
  throw new RampartError(
    'ERR_RAMPART_CONFIG',
    `No client address for this request, and ${keyed.join(' and ')} ${keyed.length === 1 ? 'keys' : 'key'} by client: every client would share one key. ` +
      'This fetch runtime passes no address (Cloudflare Workers call fetch(request, env, ctx)); tell rampart where it is: ' +
      "shield.fetch(handler, { clientIp: (request) => request.headers.get('CF-Connecting-IP') }) on Cloudflare, " +
      '{ clientIp: (request, info) => info.remoteAddr.hostname } on Deno, { clientIp: (request, server) => server.requestIP(request)?.address } on Bun ' +
      '(Hono: shield.hono({ clientIp: (c) => … })).',
  );
}
