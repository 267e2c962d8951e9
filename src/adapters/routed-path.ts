import { canonicalPath } from '../core/canonical.ts';

/** The second reading of a request's path: the router's (see `RequestView.routedPath`), or why it cannot be read. */
export interface RoutedReading {
  /** The canonical form of the path the router runs (another string than the sent path's default reading). */
  readonly path?: string;
  /** Why the router's path is not one path (the stack answers 400). */
  readonly error?: string;
}

/**
 * Whether `routerPath` (Hono's `c.req.path`) is the string Hono's default `getPath` reads
 * from the request URL `url`: its path, percent-decoded once with `decodeURI` (`%25` kept).
 * Compared exactly, not after canonicalisation: Hono's router runs `//x`, `/./x` and `/X`
 * as strings of their own (other handlers than `/x`), so only the exact default reading is
 * the path the client sent. A URL whose escapes do not decode reads as another path.
 */
export function routesAsSent(routerPath: string, url: string): boolean {
  const start = url.indexOf('/', url.indexOf(':') + 4);
  if (start === -1) return false;
  // The common case: the URL's path is the router's string and has no escape to decode.
  const end = start + routerPath.length;
  const endsPath = end === url.length || url.charCodeAt(end) === 63; // `?`
  if (endsPath && url.startsWith(routerPath, start) && routerPath.indexOf('%') === -1) return true;
  let stop = url.indexOf('?', start);
  const hash = url.indexOf('#', start);
  if (hash !== -1 && (stop === -1 || hash < stop)) stop = hash;
  const path = stop === -1 ? url.slice(start) : url.slice(start, stop);
  if (path.indexOf('%') === -1) return path === routerPath;
  try {
    return decodeURI(path.indexOf('%25') === -1 ? path : path.replace(/%25/g, '%2525')) === routerPath;
  } catch {
    return false;
  }
}

/**
 * Read the path an app's router dispatches on (Hono's `c.req.path`, the result of its
 * `getPath`) when it is another string than the sent path's default reading
 * ({@link routesAsSent}): its canonical form, which rules match beside the sent path's
 * (collapsing `//`, dropping `.` segments and folding case only widen what a rule covers),
 * while exemptions no longer apply; or why it is no path (400).
 */
export function routedReading(routerPath: string, allowEncodedSlashes: boolean, source: string): RoutedReading {
  if (routerPath.charCodeAt(0) !== 47 /* / */) return { error: `a path from the app's router (${source}) that does not start with "/"` };
  const verdict = canonicalPath(routerPath, allowEncodedSlashes ? { allowEncodedSlashes: true } : undefined);
  if (verdict.error !== undefined) return { error: `${verdict.error} in the path the app's router runs (${source})` };
  return { path: verdict.path };
}
