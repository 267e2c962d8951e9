import { checkKeys, configError, describeValue, optionsObject } from './options.ts';
import { normalizeOrigin } from './origin-syntax.ts';
import { problem } from './problem.ts';
import type { Reply, RequestView } from './types.ts';

/** Options of `shield.upgrade(listener, options)`. */
export interface UpgradeOptions {
  /**
   * Origins (`https://app.example.com`) whose pages may open a WebSocket besides the
   * server's own host. Default: only pages served from the host the handshake is for.
   */
  readonly origins?: string | readonly string[];
}

const EXAMPLE = '"https://app.example.com"';

/** What a non-string entry is, for the message ("a RegExp", "a function", "42"). */
function kindOf(value: unknown): string {
  if (value instanceof RegExp) return 'a RegExp';
  if (typeof value === 'function') return 'a function';
  return describeValue(value);
}

/** The entries of `origins`: a string or a list of strings, nothing else (no pattern, no predicate). */
function originEntries(value: unknown, name: string): readonly string[] {
  if (typeof value === 'string') return [value];
  const odd = Array.isArray(value) ? value.find((v) => typeof v !== 'string') : value;
  if (!Array.isArray(value) || odd !== undefined) {
    throw configError(`${name} takes an origin or a list of origins as strings (got ${kindOf(odd)}); list each origin, e.g. [${EXAMPLE}].`);
  }
  return value as string[];
}

function allowedOrigin(entry: string, name: string): string {
  if (entry === '*') {
    throw configError(`${name}: '*' would let every site open a WebSocket with the user's cookies; list the origins, e.g. [${EXAMPLE}].`);
  }
  if (entry.includes('*')) {
    throw configError(
      `${name}: ${JSON.stringify(entry)} has a wildcard, which origins do not support (as for CORS and CSRF origins); list each origin, e.g. [${EXAMPLE}, "https://admin.example.com"].`,
    );
  }
  // One trailing slash is tolerated (a pasted URL's origin), nothing else after the authority.
  const normal = normalizeOrigin(entry.endsWith('/') ? entry.slice(0, -1) : entry);
  if (normal === undefined) {
    throw configError(`${name}: ${JSON.stringify(entry)} is not an origin; write http(s) scheme, host and optional port only, e.g. ${EXAMPLE}.`);
  }
  return normal;
}

/** True when `origin` names the host (and port) the request is for, whatever the scheme. */
function sameHost(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.toLowerCase()) return false;
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  const requested = host.endsWith(defaultPort) ? host.slice(0, -defaultPort.length) : host;
  return requested !== '' && url.host === requested;
}

/**
 * Compile the Cross-Site WebSocket Hijacking check of a handshake: a browser page may open
 * a WebSocket to any server, with the user's cookies, and the handshake is a GET that CORS
 * and CSRF let through; only `Origin` tells. The check refuses (403, CSRF_VIOLATION event)
 * an Origin that is neither the handshake's own host nor listed. A handshake without
 * Origin is not from a browser (browsers always send it) and passes.
 */
export function compileUpgradeOriginCheck(options: unknown, name: string): (req: RequestView) => Reply | undefined {
  const o = options === undefined ? {} : optionsObject(options, name);
  checkKeys(o, ['origins'], name);
  const allowed = new Set<string>();
  if (o.origins !== undefined) {
    for (const entry of originEntries(o.origins, `${name}.origins`)) allowed.add(allowedOrigin(entry, `${name}.origins`));
  }
  return (req) => {
    const origin = req.header('origin');
    if (origin === undefined) return undefined;
    if (allowed.size > 0 && allowed.has(normalizeOrigin(origin) ?? '')) return undefined;
    if (sameHost(origin, req.host)) return undefined;
    req.emit('CSRF_VIOLATION', 'cross-site WebSocket handshake');
    return problem(403, 'A WebSocket handshake from another site is not allowed.');
  };
}
