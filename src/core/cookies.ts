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

function decodeCookieValue(value: string): string {
  if (value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Options of a Set-Cookie header (RFC 6265bis). `maxAge` in seconds. */
export interface CookieOptions {
  path?: string;
  domain?: string;
  maxAge?: number;
  expires?: Date;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
  partitioned?: boolean;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** Serialise a Set-Cookie value. Names and values must already be cookie-safe (throws TypeError otherwise). */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`invalid cookie name ${JSON.stringify(name)}`);
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`invalid cookie value for ${name}`);
  let out = `${name}=${value}`;
  if (options.path !== undefined) out += `; Path=${options.path}`;
  if (options.domain !== undefined) out += `; Domain=${options.domain}`;
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`;
  if (options.expires !== undefined) out += `; Expires=${options.expires.toUTCString()}`;
  if (options.httpOnly === true) out += '; HttpOnly';
  if (options.secure === true) out += '; Secure';
  if (options.sameSite !== undefined) out += `; SameSite=${options.sameSite}`;
  if (options.partitioned === true) out += '; Partitioned';
  return out;
}
