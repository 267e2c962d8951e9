import { ipKey } from '../client-ip/index.ts';
import type { RequestView } from '../core/types.ts';
import { requestUserId } from '../core/user.ts';

/**
 * A rate-limit `key` that counts authenticated requests per user and the others per client
 * IP (IPv6 per /64), like seed 001's `get_rate_limit_key`: `u:<id>` for the user rampart's
 * auth put on `req.locals.user` (requireJwt, requireApiKey, sessions, or the app's own
 * middleware before the limiter) or the native `req.user`; else `ip:<address>`. Users
 * behind one NAT then no longer share a bucket, and one user cannot spread over addresses.
 *
 * @example
 * stack([requireJwt({ jwt }), rateLimit({ maxRequests: 100, window: 60, key: userOrIpKey })]);
 * rampart({ rateLimit: { key: userOrIpKey } }); // with req.user set before the shield runs
 */
export function userOrIpKey(req: RequestView): string {
  const id = requestUserId(req.locals, req.raw);
  return id === undefined ? `ip:${ipKey(req.ip)}` : `u:${typeof id}:${id}`;
}

// It falls back to the client address: a limiter keyed by it keys by client (a fetch runtime
// without an address is refused instead of counting every anonymous client under "ip:").
Object.defineProperty(userOrIpKey, 'clientKeyed', { value: true });
