import type { RequestView } from '../core/types.ts';
import { configError, describe as describeValue } from '../core/options.ts';

/** What a rule matches: a path (exact or segment prefix), a RegExp over the path, or method + path. */
export type RuleMatch = string | RegExp | { method?: string | readonly string[]; path?: string | RegExp };

/** A compiled matcher over the request view. */
export type RequestMatcher = (req: RequestView) => boolean;

/**
 * Compile a rule's `match`:
 * - `'/login'` matches `/login` and everything below it (`/login/otp`), not `/login-help`;
 *   a string ending in `/` matches every path starting with it;
 * - a RegExp is tested against the raw path;
 * - `{ method, path }` also requires the method (one or a list, case-insensitive).
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
    }
    const path = m.path === undefined ? undefined : m.path instanceof RegExp ? regexMatcher(m.path) : typeof m.path === 'string' ? pathMatcher(m.path, `${name}.path`) : undefined;
    if (m.path !== undefined && path === undefined) throw configError(`${name}.path must be a string or a RegExp.`);
    if (methods === undefined && path === undefined) throw configError(`${name} must name a method, a path, or both.`);
    return (req) => (methods === undefined || methods.has(req.method.toUpperCase())) && (path === undefined || path(req));
  }
  throw configError(`${name} must be a path string, a RegExp or { method, path } (got ${describeValue(match)}).`);
}

function pathMatcher(path: string, name: string): RequestMatcher {
  if (!path.startsWith('/')) throw configError(`${name} must start with "/" (got ${JSON.stringify(path)}).`);
  if (path.endsWith('/')) return (req) => req.path.startsWith(path);
  const below = `${path}/`;
  return (req) => {
    const p = req.path;
    return p === path || p.startsWith(below);
  };
}

function regexMatcher(re: RegExp): RequestMatcher {
  // A global/sticky RegExp keeps lastIndex between calls; use a clean copy.
  const clean = re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
  return (req) => clean.test(req.path);
}
