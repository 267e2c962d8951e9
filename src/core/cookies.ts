import { RampartError } from '../errors.ts';
import { recordConfig } from './config-registry.ts';

/** Parse a Cookie header into a map (first occurrence of a name wins, per RFC 6265 §5.4 ordering). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined || header.length === 0) return out;
  // Bound the work an attacker can cause with a huge header; servers already cap header size.
  const text = header.length > 16384 ? header.slice(0, 16384) : header;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const name = text.slice(start, eq).trim();
      if (name.length > 0 && !out.has(name)) {
        let value = text.slice(eq + 1, end).trim();
        if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
        out.set(name, decodeCookieValue(value));
      }
    }
    start = end + 1;
  }
  return out;
}

/**
 * Every value of cookie `name` in a Cookie header, in the order sent, at most `max` (read as
 * {@link parseCookies} reads the first). A browser sends several when cookies of one name were
 * set with different Path or Domain attributes, e.g. one planted by a sibling subdomain.
 */
export function cookieValues(header: string | undefined, name: string, max: number): string[] {
  const out: string[] = [];
  if (header === undefined || header.length === 0) return out;
  const text = header.length > 16384 ? header.slice(0, 16384) : header;
  let start = 0;
  while (start < text.length && out.length < max) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end && text.slice(start, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1);
      out.push(decodeCookieValue(value));
    }
    start = end + 1;
  }
  return out;
}

function decodeCookieValue(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Options of a Set-Cookie header (RFC 6265bis). `maxAge` in seconds. Unset options take
 * the safe defaults: `path: '/'`, `secure: true`, `httpOnly: true`, `sameSite: 'Lax'`.
 */
export interface CookieOptions {
  /** Default `'/'`. */
  path?: string;
  /** Default none (host-only cookie). */
  domain?: string;
  maxAge?: number;
  expires?: Date;
  /** Default `true`: set `false` only for plain-HTTP development. */
  secure?: boolean;
  /** Default `true`: set `false` only for a cookie page scripts must read (a CSRF token). */
  httpOnly?: boolean;
  /** Default `'Lax'` (case-insensitive). `'None'` requires `secure`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  partitioned?: boolean;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
// Path and Domain attribute values: printable ASCII without ';' (RFC 6265 av-octet, no CTLs).
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]*$/;
const SAME_SITE: Record<string, 'Strict' | 'Lax' | 'None'> = { strict: 'Strict', lax: 'Lax', none: 'None' };

function cookieError(message: string): RampartError {
  return new RampartError('ERR_RAMPART_COOKIE', message);
}

/**
 * Serialise a Set-Cookie value, safe by default: `Path=/`, `HttpOnly`, `Secure` and
 * `SameSite=Lax` unless an option says otherwise. The `__Host-` prefix requires `Secure`,
 * `Path=/` and no `Domain`; `__Secure-` requires `Secure` (prefixes matched
 * case-insensitively, as browsers do); `SameSite=None` requires `Secure`.
 *
 * Names and values must already be cookie-safe (encode values yourself, e.g. base64url):
 * anything else, and attributes that could inject another attribute, throw
 * `RampartError` `ERR_RAMPART_COOKIE`.
 *
 * @example
 * res.setHeader('set-cookie', serializeCookie('__Host-sid', id, { maxAge: 3600 }));
 * // __Host-sid=…; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name))
    throw cookieError(`serializeCookie: invalid cookie name ${JSON.stringify(name)}: use letters, digits and !#$%&'*+-.^_\`|~ only.`);
  if (typeof value !== 'string' || !COOKIE_VALUE.test(value))
    throw cookieError(
      `serializeCookie: invalid value for cookie ${name}: encode it first (base64url or encodeURIComponent); ';', ',', spaces, quotes and backslashes are not allowed.`,
    );
  const path = options.path ?? '/';
  const secure = options.secure ?? true;
  const httpOnly = options.httpOnly ?? true;
  let sameSite: 'Strict' | 'Lax' | 'None' = 'Lax';
  if (options.sameSite !== undefined) {
    const canonical = typeof options.sameSite === 'string' ? SAME_SITE[options.sameSite.toLowerCase()] : undefined;
    if (canonical === undefined) throw cookieError(`serializeCookie: sameSite must be 'Strict', 'Lax' or 'None' (got ${JSON.stringify(options.sameSite)}).`);
    sameSite = canonical;
  }
  // Relaxed attributes are recorded for `rampart check --app` (a no-op unless it is running).
  if (!secure || !httpOnly || sameSite === 'None') recordConfig('cookie', { name, secure, httpOnly, sameSite });
  if (!ATTRIBUTE_VALUE.test(path) || !path.startsWith('/'))
    throw cookieError(`serializeCookie: path for cookie ${name} must start with '/' and contain no ';' or control characters.`);
  if (
    options.domain !== undefined &&
    (typeof options.domain !== 'string' || options.domain === '' || !ATTRIBUTE_VALUE.test(options.domain) || options.domain.includes(' '))
  ) {
    throw cookieError(`serializeCookie: domain for cookie ${name} must be a host name without ';', spaces or control characters.`);
  }
  if (options.maxAge !== undefined && (typeof options.maxAge !== 'number' || !Number.isFinite(options.maxAge)))
    throw cookieError(`serializeCookie: maxAge for cookie ${name} must be a finite number of seconds.`);
  if (options.expires !== undefined && (!(options.expires instanceof Date) || Number.isNaN(options.expires.getTime())))
    throw cookieError(`serializeCookie: expires for cookie ${name} must be a valid Date.`);
  const lower = name.slice(0, 9).toLowerCase();
  if (lower.startsWith('__host-')) {
    if (!secure || path !== '/' || options.domain !== undefined) {
      throw cookieError(
        `serializeCookie: a __Host- cookie (${name}) must be Secure, have Path=/ and no Domain, or browsers drop it: remove the secure: false, path or domain option, or rename the cookie.`,
      );
    }
  } else if (lower === '__secure-' && !secure) {
    throw cookieError(`serializeCookie: a __Secure- cookie (${name}) must be Secure, or browsers drop it: remove secure: false or rename the cookie.`);
  }
  if (sameSite === 'None' && !secure)
    throw cookieError(`serializeCookie: SameSite=None needs Secure (browsers reject it otherwise) for cookie ${name}: remove secure: false or use 'Lax'.`);
  let out = `${name}=${value}; Path=${path}`;
  if (options.domain !== undefined) out += `; Domain=${options.domain}`;
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`;
  if (options.expires !== undefined) out += `; Expires=${options.expires.toUTCString()}`;
  if (httpOnly) out += '; HttpOnly';
  if (secure) out += '; Secure';
  out += `; SameSite=${sameSite}`;
  if (options.partitioned === true) {
    if (!secure) throw cookieError(`serializeCookie: a Partitioned cookie (${name}) must be Secure.`);
    out += '; Partitioned';
  }
  return out;
}
