/**
 * The cookies a scan collected and the Observatory's `cookies` test over them. The jar follows
 * what a cookie store keeps (RFC 6265bis storage rules the grade depends on): a Domain that does
 * not cover the host and a `__Secure-` / `__Host-` cookie that breaks its prefix rules are not
 * stored; a later cookie of the same name, domain and path replaces the earlier one.
 * @module
 */

/** One stored cookie, as far as the grade reads it. */
export interface StoredCookie {
  readonly name: string;
  readonly domain: string;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** `strict`, `lax` or `none`; undefined when absent or not one of those. */
  readonly sameSite: string | undefined;
}

/** Parse one Set-Cookie line received from `url`; undefined when a store would reject it. */
export function parseSetCookie(line: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, Math.max(eq, 0)).trim();
  // No name: not stored. heroku-session-affinity: ignored by the Observatory (its issue 282).
  if (name === '' || name === 'heroku-session-affinity') return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  let domain: string | undefined;
  let path: string | undefined;
  let secure = false;
  let httpOnly = false;
  let sameSite: string | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at === -1 ? '' : attribute.slice(at + 1).trim();
    if (key === 'secure') secure = true;
    else if (key === 'httponly') httpOnly = true;
    else if (key === 'domain' && value !== '') domain = value.replace(/^\./, '').toLowerCase();
    else if (key === 'path' && value.startsWith('/')) path = value;
    else if (key === 'samesite') {
      const v = value.toLowerCase();
      sameSite = v === 'strict' || v === 'lax' || v === 'none' ? v : undefined;
    }
  }
  if (domain !== undefined && domain !== host && !host.endsWith(`.${domain}`)) return undefined;
  if (name.startsWith('__Secure-') && !secure) return undefined;
  const defaultPath = url.pathname.lastIndexOf('/') > 0 ? url.pathname.slice(0, url.pathname.lastIndexOf('/')) : '/';
  const effectivePath = path ?? defaultPath;
  if (name.startsWith('__Host-') && (!secure || domain !== undefined || effectivePath !== '/')) return undefined;
  return { name, domain: domain ?? host, path: effectivePath, secure, httpOnly, sameSite };
}

/** Store the Set-Cookie lines of a response into `jar` (keyed by name, domain and path). */
export function storeCookies(jar: Map<string, StoredCookie>, lines: readonly string[], url: URL): void {
  for (const line of lines) {
    const cookie = parseSetCookie(line, url);
    if (cookie !== undefined) jar.set(`${cookie.name}\u0000${cookie.domain}\u0000${cookie.path}`, cookie);
  }
}

/** A raw Set-Cookie line whose SameSite attribute is empty or not strict, lax or none. */
export function hasInvalidSameSite(line: string): boolean {
  for (const part of line.trim().split(';')) {
    const [key = '', value] = part.trim().split('=');
    if (key.trim().toLowerCase() !== 'samesite') continue;
    if (value === undefined || value === '') return true;
    if (!['lax', 'strict', 'none'].includes(value.trim().toLowerCase())) return true;
  }
  return false;
}

/** Results from best to worst: the worst one found is the test's result. */
const WORSENING = [
  'cookies-without-secure-flag-but-protected-by-hsts',
  'cookies-without-secure-flag',
  'cookies-session-without-secure-flag-but-protected-by-hsts',
  'cookies-samesite-flag-invalid',
  'cookies-anticsrf-without-samesite-flag',
  'cookies-session-without-httponly-flag',
  'cookies-session-without-secure-flag',
];

const worse = (current: string | undefined, candidate: string): string =>
  current === undefined || WORSENING.indexOf(candidate) > WORSENING.indexOf(current) ? candidate : current;

/**
 * The `cookies` test. Session cookies are those whose name contains `login` or `sess`,
 * anti-CSRF cookies those containing `csrf` (the Observatory's heuristics). `hstsPasses`:
 * the strict-transport-security test passed, which softens a missing Secure flag.
 */
export function gradeCookies(cookies: readonly StoredCookie[], finalSetCookies: readonly string[], hstsPasses: boolean): { result: string; pass: boolean } {
  let result: string | undefined;
  for (const line of finalSetCookies) if (hasInvalidSameSite(line)) result = worse(result, 'cookies-samesite-flag-invalid');
  if (cookies.length === 0) {
    result = 'cookies-not-found';
  } else {
    let missingSameSite = false;
    for (const cookie of cookies) {
      const lower = cookie.name.toLowerCase();
      const session = lower.includes('login') || lower.includes('sess');
      const antiCsrf = lower.includes('csrf');
      if (!cookie.secure && cookie.sameSite === 'none') result = worse(result, 'cookies-samesite-flag-invalid');
      if (!cookie.secure) result = worse(result, hstsPasses ? 'cookies-without-secure-flag-but-protected-by-hsts' : 'cookies-without-secure-flag');
      if (antiCsrf && cookie.sameSite === undefined) result = worse(result, 'cookies-anticsrf-without-samesite-flag');
      if (session && !cookie.secure)
        result = worse(result, hstsPasses ? 'cookies-session-without-secure-flag-but-protected-by-hsts' : 'cookies-session-without-secure-flag');
      if (session && !cookie.httpOnly) result = worse(result, 'cookies-session-without-httponly-flag');
      if (cookie.sameSite === undefined) missingSameSite = true;
    }
    result ??= missingSameSite ? 'cookies-secure-with-httponly-sessions' : 'cookies-secure-with-httponly-sessions-and-samesite';
  }
  const pass = ['cookies-not-found', 'cookies-secure-with-httponly-sessions-and-samesite', 'cookies-secure-with-httponly-sessions'].includes(result);
  return { result, pass };
}
