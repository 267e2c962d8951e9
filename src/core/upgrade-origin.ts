import { checkKeys, configError, optionsObject, stringList } from './options.ts';
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

function allowedOrigin(entry: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin.toLowerCase() !== entry.toLowerCase().replace(/\/$/, '')) {
    throw configError(`${name}: ${JSON.stringify(entry)} is not an origin; write scheme, host and port only, e.g. "https://app.example.com".`);
  }
  return url.origin.toLowerCase();
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
    for (const entry of stringList(o.origins, `${name}.origins`)) allowed.add(allowedOrigin(entry, `${name}.origins`));
  }
  return (req) => {
    const origin = req.header('origin');
    if (origin === undefined) return undefined;
    if (allowed.has(origin.toLowerCase()) || sameHost(origin, req.host)) return undefined;
    req.emit('CSRF_VIOLATION', 'cross-site WebSocket handshake');
    return problem(403, 'A WebSocket handshake from another site is not allowed.');
  };
}
