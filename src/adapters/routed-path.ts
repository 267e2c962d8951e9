import { canonicalPath } from '../core/canonical.ts';

/** The second reading of a request's path: the router's (see `RequestView.routedPath`), or why it cannot be read. */
export interface RoutedReading {
  /** The canonical router path when it differs from the canonical target path. */
  readonly path?: string;
  /** Why the router's path is not one path (the stack answers 400). */
  readonly error?: string;
}

const NONE: RoutedReading = Object.freeze({});

/**
 * Read the path an app's router dispatches on (Hono's `c.req.path`, the result of its
 * `getPath`) against the canonical path of the target the client sent. Hono's default
 * `getPath` gives the path percent-decoded once (`%25` kept), which canonicalises to the
 * same path; a custom `getPath` (routing by Host, a prefix dropped, `strict: false`) may not.
 */
export function routedReading(routerPath: string, sentCanonical: string, allowEncodedSlashes: boolean, source: string): RoutedReading {
  if (routerPath.charCodeAt(0) !== 47 /* / */) return { error: `a path from the app's router (${source}) that does not start with "/"` };
  const verdict = canonicalPath(routerPath, allowEncodedSlashes ? { allowEncodedSlashes: true } : undefined);
  if (verdict.error !== undefined) return { error: `${verdict.error} in the path the app's router runs (${source})` };
  return verdict.path === sentCanonical ? NONE : { path: verdict.path };
}
