import { configError } from './options.ts';
import type { RequestView } from './types.ts';

/**
 * The one canonical reading of a request path that every path-scoped decision uses
 * (rate-limit rules, signed paths, exempt paths). Rules:
 *
 * - percent-encoding is decoded once, as UTF-8 (`/%6cogin` → `/login`);
 * - `\` is a separator, as WHATWG URL reads it (`/api\secure` → `/api/secure`);
 * - runs of separators collapse (`//login` → `/login`);
 * - `.` segments are removed (`/./login` → `/login`);
 * - letters are lower-cased (Express routes case-insensitively by default); a path with
 *   non-ASCII characters is case-folded per character as `toUpperCase().toLowerCase()`, so
 *   every character a Unicode-aware router lower- or upper-cases into ASCII reads as that
 *   ASCII (`%E2%84%AA` KELVIN SIGN → `k`, `ſ` → `s`, `ß` → `ss`, `ﬁ` → `fi`, `İ` → `i̇`):
 *   Fastify's `caseSensitive: false` routes `/api/%E2%84%AAeys` to `/api/keys`;
 * - a trailing `/` is kept (`/login/`); matchers treat `/x` and `/x/` alike.
 *
 * Targets that routers read in different ways are refused instead ({@link PathVerdict}
 * `error`): an encoded `/` or `\` inside a segment (`%2F`, `%5C`), NUL, a malformed
 * `%` escape or invalid UTF-8, `..` segments (raw or encoded): Express and Fastify
 * deliver `/x/../login` to a `/x/*` route, WHATWG URL-based routers to `/login`; and a `#`
 * (a fragment is never part of a request target; routers drop it).
 */
export interface PathVerdict {
  /** The canonical path (lower-case), or '' when `error` is set. */
  readonly path: string;
  /**
   * True when the raw path is already in normal form as sent: no `%` escape of an
   * unreserved character, no `\`, no `//`, no `.` segment (case is not considered).
   * Exemptions apply only to paths in normal form.
   */
  readonly normal: boolean;
  /** Why the path cannot be canonicalised without ambiguity (the request gets 400). */
  readonly error: string | undefined;
}

/** Options of {@link canonicalPath}. */
export interface CanonicalPathOptions {
  /** Keep `%2F`/`%5C` inside a segment (encoded, lower-case) instead of refusing the target. */
  allowEncodedSlashes?: boolean;
}

const NOT_NORMAL = 0;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

function refused(error: string): PathVerdict {
  return { path: '', normal: false, error };
}

function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

const NON_ASCII = /[^\0-\x7f]/gu;
const NON_ASCII_TEST = /[^\0-\x7f]/;

// Per character, so the result does not depend on context (toLowerCase turns a final Σ into ς).
function foldCharacter(c: string): string {
  return c.toUpperCase().toLowerCase();
}

/**
 * Lower-case `text` for matching: ASCII letters, and for non-ASCII characters the fold a
 * case-insensitive router may apply (String#toLowerCase, String#toUpperCase or a Unicode
 * case-insensitive RegExp), including the ones that land in ASCII (K, ſ, ı, ß, ﬁ, İ …).
 */
function foldCase(text: string): string {
  const lower = lowerAscii(text);
  return NON_ASCII_TEST.test(lower) ? lower.replace(NON_ASCII, foldCharacter) : lower;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * The canonical path when `raw` needs no decoding or segment work (no `%`, `\`, NUL,
 * `//` or dot segment): `raw` itself, or lower-cased (case-folded when it has non-ASCII
 * characters) when it has capitals. Undefined when
 * the full canonicalisation is needed. Allocation-free for the common lower-case path.
 */
export function quickCanonicalPath(raw: string): string | undefined {
  const n = raw.length;
  if (n === 0 || raw.charCodeAt(0) !== 47 /* / */) return undefined;
  let upper = false;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 47) {
      const next = raw.charCodeAt(i + 1);
      if (next === 47) return undefined;
      if (next === 46 /* . */) {
        // Only a `.` or `..` segment needs work (`/.well-known` does not).
        const after = raw.charCodeAt(i + 2);
        if (i + 2 >= n || after === 47 || (after === 46 && (i + 3 >= n || raw.charCodeAt(i + 3) === 47))) return undefined;
      }
    } else if (c === 37 /* % */ || c === 92 /* \ */ || c === 0 || c === 35 /* # */) return undefined;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c > 127) ascii = false;
  }
  if (!ascii) return foldCase(raw);
  return upper ? raw.toLowerCase() : raw;
}

/**
 * Canonicalise a raw request path (no query string). The common case, a path without
 * `%`, `\`, `//`, a dot segment or NUL, costs one scan (and a lower-casing when it has capitals).
 */
export function canonicalPath(raw: string, options?: CanonicalPathOptions): PathVerdict {
  const quick = quickCanonicalPath(raw);
  if (quick !== undefined) return { path: quick, normal: true, error: undefined };
  if (raw === '*') return { path: '*', normal: true, error: undefined };
  return slowCanonical(raw, options !== undefined && options.allowEncodedSlashes === true);
}

function slowCanonical(raw: string, allowEncodedSlashes: boolean): PathVerdict {
  const first = raw.charCodeAt(0);
  if (first !== 47 && first !== 92) return refused('the path does not start with "/"');
  // A request target never carries a fragment (RFC 9112 §3.2): routers drop it (`/login#1`
  // reaches `/login`), so a rule matched on the raw text would miss it.
  if (raw.indexOf('#') !== -1) return refused('a "#" fragment in the request target');
  let normal = raw.indexOf('\\') === -1;
  const pieces = raw.split(/[/\\]/);
  const last = pieces.length - 1;
  const out: string[] = [];
  for (let i = 1; i <= last; i++) {
    const piece = pieces[i]!;
    if (piece.length === 0) {
      if (i !== last) normal = false; // `//` run (a trailing empty piece is the trailing slash)
      continue;
    }
    if (piece.indexOf('\0') !== -1) return refused('NUL in the path');
    let segment = piece;
    if (piece.indexOf('%') !== -1) {
      const decoded = decodeSegment(piece, allowEncodedSlashes);
      if (typeof decoded === 'number') {
        if (decoded === NOT_NORMAL) return refused('a malformed percent-escape or invalid UTF-8 in the path');
        return refused('an encoded "/" or "\\" inside a path segment');
      }
      segment = decoded.text;
      if (decoded.unreserved) normal = false;
    }
    if (segment === '.') {
      normal = false;
      continue;
    }
    if (segment === '..') return refused('a ".." segment in the path');
    if (segment.indexOf('\0') !== -1) return refused('NUL in the path');
    out.push(segment);
  }
  let path = `/${out.join('/')}`;
  if (out.length > 0 && pieces[last]!.length === 0) path += '/';
  return { path: foldCase(path), normal, error: undefined };
}

/**
 * Decode one segment. Returns NOT_NORMAL (0) for a malformed escape or invalid UTF-8,
 * 1 for an encoded separator when they are not allowed.
 */
function decodeSegment(piece: string, allowEncodedSlashes: boolean): { text: string; unreserved: boolean } | number {
  let unreserved = false;
  for (let i = piece.indexOf('%'); i !== -1; i = piece.indexOf('%', i + 1)) {
    const hi = hexValue(piece.charCodeAt(i + 1));
    const lo = hexValue(piece.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return NOT_NORMAL;
    const byte = hi * 16 + lo;
    if (byte === 0x2f || byte === 0x5c) {
      if (!allowEncodedSlashes) return 1;
      // Relaxed: the separator stays encoded, but no reading may turn it into a `..` step.
      const asSeparators = piece.replace(/%2f|%5c/gi, '/');
      if (asSeparators.split('/').some((s) => s === '..' || s === '.' || /^(?:%2e|\.)(?:%2e|\.)?$/i.test(s))) return NOT_NORMAL;
      unreserved = true; // not in normal form: never exempt
    }
    if (byte < 0x80 && UNRESERVED.test(String.fromCharCode(byte))) unreserved = true;
  }
  let text: string;
  try {
    // decodeURIComponent is strict UTF-8: overlong forms, surrogates and stray bytes throw.
    text = allowEncodedSlashes
      ? piece
          .split(/(%2f|%5c)/i)
          .map((part, j) => (j % 2 === 1 ? part.toLowerCase() : decodeURIComponent(part)))
          .join('')
      : decodeURIComponent(piece);
  } catch {
    return NOT_NORMAL;
  }
  return { text, unreserved };
}

/** The canonical path of a view (computed from `req.path` for views that do not carry one). */
export function canonicalPathOf(req: RequestView): string {
  const own = (req as { canonicalPath?: string }).canonicalPath;
  return own !== undefined ? own : canonicalPath(req.path).path;
}

/**
 * The path an exemption may be decided on: the raw path when it is in normal form as
 * sent, else '' (which no exemption matches). `/STATIC/x`, `/st%61tic/x`, `//static/x`
 * and `/static/./x` are therefore never exempt: they get the full check, and so does a
 * request whose URL the app rewrote into another path before routing ({@link RequestView.routedPath}).
 */
export function exemptionPath(req: RequestView): string {
  // The router runs another path than the client sent (Fastify rewriteUrl): an exemption
  // of one reading would exempt the handler of the other, so none applies.
  if (req.routedPath !== undefined) return '';
  const raw = req.path;
  return quickCanonicalPath(raw) !== undefined || canonicalPath(raw).normal ? raw : '';
}

/**
 * Compile path prefixes for a check that a rule imposes (rate-limit rule, signed paths):
 * `/login` covers `/login`, `/login/` and `/login/…` (not `/login-help`), compared with
 * the canonical (lower-case) path, so every variant a router delivers to the handler is
 * covered. With `segments: false`, an entry is a plain string prefix (`/api/sec` covers
 * `/api/secure`), and `/x/` still covers `/x`. A path is also covered when its part before
 * a `;` is (`/login;jsessionid=1`), as routers that end the path there read it, and when
 * the URL the app's router runs after a rewrite ({@link RequestView.routedPath}) is.
 */
export function compileCoveredPaths(list: readonly string[], option: string, segments = true): (req: RequestView) => boolean {
  const entries: string[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string' || !entry.startsWith('/')) throw configError(`${option} entries must start with "/" (got ${JSON.stringify(entry)}).`);
    const verdict = canonicalPath(entry);
    if (verdict.error !== undefined)
      throw configError(`${option}: ${JSON.stringify(entry)} is not a plain path (${verdict.error}); write it as sent, e.g. "/api/secure/".`);
    entries.push(verdict.path);
  }
  const tests = entries.map((entry): ((path: string) => boolean) => {
    if (entry === '/') return () => true;
    const bare = entry.endsWith('/') ? entry.slice(0, -1) : entry;
    if (!segments && !entry.endsWith('/')) return (path) => path.startsWith(entry);
    const below = `${bare}/`;
    return (path) => path === bare || path.startsWith(below);
  });
  const any = (path: string): boolean => {
    for (const test of tests) if (test(path)) return true;
    return false;
  };
  const covered = tests.length === 1 ? tests[0]! : any;
  // Routers that end the path at `;` (Fastify useSemicolonDelimiter, servlet-style matrix
  // parameters) run `/checkout` for `/checkout;x`: the rule covers both readings.
  const coveredWithParams = (path: string): boolean => {
    if (covered(path)) return true;
    const semicolon = path.indexOf(';');
    return semicolon !== -1 && covered(path.slice(0, semicolon));
  };
  return (req) => {
    if (coveredWithParams(canonicalPathOf(req))) return true;
    // The app rewrote the URL before routing: the rule names the request if it names either
    // the URL the client sent (what the operator sees) or the one the router runs.
    const routed = req.routedPath;
    return routed !== undefined && coveredWithParams(routed);
  };
}
