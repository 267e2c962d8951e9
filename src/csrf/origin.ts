import { configError } from '../core/options.ts';
import type { RequestView } from '../core/types.ts';
import { normalizeHost, normalizeOrigin } from '../core/origin-syntax.ts';

/** Normalise configured trusted origins into a lookup set; an invalid entry (or `'*'`) is a construction error. */
export function trustedOriginSet(list: readonly string[], option: string): Set<string> {
  const out = new Set<string>();
  for (const entry of list) {
    if (entry === '*') {
      throw configError(`${option}: '*' would trust every origin and disable CSRF protection; list the exact origins (https://app.example.com).`);
    }
    const normal = normalizeOrigin(entry);
    if (normal === undefined) {
      throw configError(`${option}: ${JSON.stringify(entry)} is not an origin; use scheme://host[:port] without a path, e.g. https://app.example.com.`);
    }
    out.add(normal);
  }
  return out;
}

/**
 * The fetch-metadata layer (the model of Go 1.25's CrossOriginProtection) for an unsafe
 * request. Returns true when the request may continue to the token check (or to the
 * handler in origin-only mode), false when it is a cross-origin request to reject.
 *
 * - `Sec-Fetch-Site: same-origin` or `none` (user typed the URL / bookmark) → pass.
 * - any other Sec-Fetch-Site value (`same-site`, `cross-site`, unknown) → pass only when
 *   `Origin` is trusted.
 * - no Sec-Fetch-Site (older browsers, non-browser clients): an `Origin` equal to the
 *   request's own origin (scheme from the secure flag, validated host) or a trusted one
 *   passes, any other `Origin` (including `null`) is rejected; no `Origin` → pass.
 */
export function originAllowed(req: RequestView, trusted: ReadonlySet<string>): boolean {
  const site = req.header('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return true;
    return isTrusted(req.header('origin'), trusted);
  }
  const origin = req.header('origin');
  if (origin === undefined) return true;
  const secure = req.secure;
  const host = normalizeHost(req.host, secure);
  if (host !== undefined && normalizeOrigin(origin) === `${secure ? 'https' : 'http'}://${host}`) return true;
  return isTrusted(origin, trusted);
}

function isTrusted(origin: string | undefined, trusted: ReadonlySet<string>): boolean {
  if (origin === undefined || trusted.size === 0) return false;
  const normal = normalizeOrigin(origin);
  return normal !== undefined && trusted.has(normal);
}
