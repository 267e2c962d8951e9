import type { RequestView } from '../core/types.ts';
import { canonicalPathOf, compileCoveredPaths } from '../core/canonical.ts';
import { configError, describeValue } from '../core/options.ts';

/** What a rule matches: a path (exact or segment prefix), a RegExp over the path, or method + path. */
export type RuleMatch = string | RegExp | { method?: string | readonly string[]; path?: string | RegExp };

/** A compiled matcher over the request view. */
export type RequestMatcher = (req: RequestView) => boolean;

/**
 * Compile a rule's `match`:
 * - `'/login'` matches `/login`, `/login/` and everything below it (`/login/otp`), not
 *   `/login-help`, on the canonical path (case-insensitive, decoded, `//` and `.` removed);
 *   `'/api/'` is the same as `'/api'`;
 * - a RegExp is tested against the canonical (lower-case) path and the raw path: either matches;
 * - `{ method, path }` also requires the method (one or a list, case-insensitive); a rule
 *   for `GET` also matches `HEAD`, which routers serve with the GET handler.
 */
export function compileMatch(match: unknown, name: string): RequestMatcher {
  if (typeof match === 'string') return pathMatcher(match, name);
  if (match instanceof RegExp) return regexMatcher(match);
  if (match !== null && typeof match === 'object' && !Array.isArray(match)) {
    const m = match as { method?: unknown; path?: unknown };
    for (const k of Object.keys(m)) {
      if (k !== 'method' && k !== 'path') throw configError(`${name}: unknown key ${JSON.stringify(k)}; a match object takes { method, path }.`);
    }
    let methods: Set<string> | undefined;
    if (m.method !== undefined) {
      const list = typeof m.method === 'string' ? [m.method] : m.method;
      if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== 'string' || !/^[A-Za-z]+$/.test(x))) {
        throw configError(`${name}.method must be an HTTP method or a list of them (got ${describeValue(m.method)}).`);
      }
      methods = new Set(list.map((x: string) => x.toUpperCase()));
      // Routers answer HEAD with the GET handler (Express, Fastify, Hono; Node's http
      // leaves it to the app): a HEAD is a GET without the body, counted under the same rule.
      if (methods.has('GET')) methods.add('HEAD');
    }
    const path =
      m.path === undefined
        ? undefined
        : m.path instanceof RegExp
          ? regexMatcher(m.path)
          : typeof m.path === 'string'
            ? pathMatcher(m.path, `${name}.path`)
            : undefined;
    if (m.path !== undefined && path === undefined) throw configError(`${name}.path must be a string or a RegExp.`);
    if (methods === undefined && path === undefined) throw configError(`${name} must name a method, a path, or both.`);
    return (req) => (methods === undefined || methods.has(req.method.toUpperCase())) && (path === undefined || path(req));
  }
  throw configError(`${name} must be a path string, a RegExp or { method, path } (got ${describeValue(match)}).`);
}

function pathMatcher(path: string, name: string): RequestMatcher {
  if (!path.startsWith('/')) throw configError(`${name} must start with "/" (got ${JSON.stringify(path)}).`);
  // Matched on the canonical path, case-insensitively: every variant a router delivers
  // to the route (`/LOGIN`, `/login/`, `//login`, `/%6cogin`, absolute-form) is covered.
  return compileCoveredPaths([path], name);
}

function regexMatcher(re: RegExp): RequestMatcher {
  // A global/sticky RegExp keeps lastIndex between calls; use a clean copy.
  const clean = re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
  // The canonical (lower-case) path, and the raw path for expressions written against it.
  // And the path the router runs when the app rewrote the URL (Fastify rewriteUrl).
  return (req) => clean.test(canonicalPathOf(req)) || clean.test(req.path) || (req.routedPath !== undefined && clean.test(req.routedPath));
}
