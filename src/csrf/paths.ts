import { configError } from '../core/options.ts';

/**
 * The request path decoded once, or undefined when it is not in canonical form: an
 * invalid percent-encoding, a `.`/`..` segment, an empty segment (`//`), a backslash, a
 * NUL, or a `%` left after decoding (double encoding such as `%252e%252e`). A path that
 * is not canonical is never exempt: `/webhooks/../admin` and `/webhooks/%2e%2e/admin`
 * get the full CSRF check.
 */
export function canonicalPath(raw: string): string | undefined {
  let path = raw;
  if (path.indexOf('%') !== -1) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    if (path.indexOf('%') !== -1) return undefined;
  }
  if (path.charCodeAt(0) !== 47 /* / */) return undefined;
  if (path.indexOf('\\') !== -1 || path.indexOf('\0') !== -1 || path.indexOf('//') !== -1) return undefined;
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') return undefined;
  }
  return path;
}

/**
 * Compile `exemptPaths` into a matcher. An entry ending in `/` matches that prefix; any
 * other entry matches the exact path and everything below it (`/hooks` matches `/hooks`
 * and `/hooks/x`, not `/hooksevil`). Matching is case-sensitive on the canonical path.
 */
export function compileExemptPaths(list: readonly string[]): (rawPath: string) => boolean {
  const entries: string[] = [];
  for (const entry of list) {
    if (canonicalPath(entry) !== entry) {
      throw configError(
        `csrf.exemptPaths: ${JSON.stringify(entry)} must be a canonical absolute path such as "/webhooks/" (starting with "/", no "..", "//", "%" or "\\").`,
      );
    }
    if (entry === '/') throw configError('csrf.exemptPaths: "/" would exempt every path and disable CSRF protection; list the specific prefixes.');
    entries.push(entry);
  }
  if (entries.length === 0) return () => false;
  return (rawPath) => {
    const path = canonicalPath(rawPath);
    if (path === undefined) return false;
    for (const entry of entries) {
      if (entry.endsWith('/')) {
        if (path.startsWith(entry)) return true;
      } else if (path === entry || path.startsWith(`${entry}/`)) return true;
    }
    return false;
  };
}
