import { isHostPort } from './host-syntax.ts';

/**
 * Normalise a serialised http(s) origin (`scheme://host[:port]`, as browsers send in
 * `Origin`): lower-case, default port removed. Undefined when it is not one (a path, a
 * wildcard, another scheme, the opaque `null`). The one reading of configured and received
 * origins for CSRF's `trustedOrigins` and `shield.upgrade`'s `origins`.
 */
export function normalizeOrigin(origin: string): string | undefined {
  const sep = origin.indexOf('://');
  if (sep === -1) return undefined;
  const scheme = origin.slice(0, sep).toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') return undefined;
  const host = normalizeHost(origin.slice(sep + 3), scheme === 'https');
  return host === undefined ? undefined : `${scheme}://${host}`;
}

/** Validate and normalise `host[:port]` (lower-case, default port for the scheme dropped). */
export function normalizeHost(value: string, secure: boolean): string | undefined {
  const host = value.toLowerCase();
  if (host.length === 0 || host.length > 300 || !isHostPort(host)) return undefined;
  const defaultPort = secure ? ':443' : ':80';
  return host.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
}
