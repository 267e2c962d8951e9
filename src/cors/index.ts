import { warnConfig } from '../core/events.ts';
import { checkKeys, configError, describeValue, numberOption, optionsObject, stringList, checkHeader } from '../core/options.ts';
import type { Middleware, Reply, RequestView, ResponseControl } from '../core/types.ts';
import { browserOrigin, refuseWildcardEntry } from './origin-entry.ts';

/** An HTTP field name (RFC 9110 token), lower-cased. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * Which origins may read responses cross-origin: a list of exact origins (RegExps may sit
 * among them), one origin, `'*'`, an anchored RegExp, or a predicate.
 */
export type CorsOrigins = readonly (string | RegExp)[] | string | RegExp | ((origin: string) => boolean);

/** Options of {@link cors} (the seed's CORSMiddleware parameters, camelCased). */
export interface CorsOptions {
  /** Allowed origins: a list of `scheme://host[:port]` (and anchored RegExps), `'*'`, an anchored RegExp, or a predicate. Required. */
  origins: CorsOrigins;
  /** Methods allowed in preflight. Default the seed's GET, POST, PUT, PATCH, DELETE, OPTIONS plus HEAD. */
  methods?: readonly string[];
  /** Request headers allowed in preflight. Default `['*']` (any; reflected when credentials are allowed). */
  headers?: readonly string[];
  /** Response headers scripts may read. Default none. */
  exposeHeaders?: readonly string[];
  /** Allow cookies / HTTP auth cross-origin. Default false. Cannot be combined with `origins: '*'`. */
  allowCredentials?: boolean;
  /** Preflight cache lifetime in seconds. Default 86400. */
  maxAge?: number;
  /** Answer Private Network Access preflights (`Access-Control-Request-Private-Network`). Default false. */
  privateNetwork?: boolean;
}

const KEYS = ['origins', 'methods', 'headers', 'exposeHeaders', 'allowCredentials', 'maxAge', 'privateNetwork'] as const;
const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Origins no real allowlist names (RFC 2606 .invalid, two schemes). */
const ORIGIN_CANARIES = ['https://rampart-check-a.invalid', 'http://rampart-check-b.invalid:8080'];

/**
 * Normalise a serialised origin: lower-case scheme and host, default port removed.
 * Returns undefined for anything that is not exactly `scheme://host[:port]`.
 */
export function normalizeOrigin(origin: string): string | undefined {
  if (origin.length > 2048) return undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(?::(\d{1,5}))?$/i.exec(origin);
  if (m === null) return undefined;
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.toLowerCase();
  let port: string | undefined = m[3];
  if (port !== undefined) {
    const n = Number(port);
    if (n > 65535) return undefined;
    port = String(n);
    if ((scheme === 'https' && n === 443) || (scheme === 'http' && n === 80)) port = undefined;
  }
  return port === undefined ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

/** A compiled origin test: exact set lookup, anchored RegExp, or predicate. */
export type OriginMatcher = (origin: string) => boolean;

/** Compile a `CorsOrigins` value into an origin test. `'*'` compiles to "any origin except the opaque `null`". */
export function compileOriginMatcher(origins: CorsOrigins, option = 'cors.origins'): { match: OriginMatcher; any: boolean; list: string[] | undefined } {
  if (origins === '*') return { match: (o) => o !== 'null', any: true, list: undefined };
  if (origins instanceof RegExp) {
    checkPattern(origins, option);
    return { match: (o) => o !== 'null' && origins.test(o), any: false, list: undefined };
  }
  if (typeof origins === 'function') {
    return {
      match: (o) => {
        try {
          return origins(o) === true;
        } catch {
          return false;
        }
      },
      any: false,
      list: undefined,
    };
  }
  const patterns = Array.isArray(origins) ? origins.filter((o): o is RegExp => o instanceof RegExp) : [];
  for (const pattern of patterns) checkPattern(pattern, option);
  const entries = originStrings(patterns.length === 0 ? origins : (origins as unknown[]).filter((o) => !(o instanceof RegExp)), option);
  // The seeds write `origins: ['*']` (CORS_ORIGINS="*".split(',')): it means '*'.
  if (entries.length === 1 && entries[0] === '*' && patterns.length === 0) return compileOriginMatcher('*', option);
  if (entries.length === 0 && patterns.length === 0)
    throw configError(`${option} is empty; list the origins allowed to call this server, e.g. ['https://app.example.com'].`);
  const set = new Set<string>();
  for (const entry of entries) {
    if (entry === '*') throw configError(`${option}: '*' cannot be mixed with other origins; use origins: '*' alone, or list the origins.`);
    if (entry === 'null') {
      set.add('null');
      warnConfig(`${option} allows the opaque origin 'null' (sandboxed iframes, file: pages); any page can produce it.`);
      continue;
    }
    refuseWildcardEntry(entry, option);
    const normal = normalizeOrigin(entry);
    if (normal === undefined) {
      throw configError(
        `${option}: ${JSON.stringify(entry)} is not an origin; write scheme://host[:port] with no path or trailing slash, e.g. 'https://app.example.com'.`,
      );
    }
    set.add(browserOrigin(normal, option));
  }
  const listed: OriginMatcher = (o) => set.has(o) || (o !== 'null' && ((n) => n !== undefined && set.has(n))(normalizeOrigin(o)));
  return {
    match: patterns.length === 0 ? listed : (o) => listed(o) || (o !== 'null' && patterns.some((p) => p.test(o))),
    any: false,
    list: [...set],
  };
}

/** An origin RegExp is anchored at both ends and stateless. */
function checkPattern(pattern: RegExp, option: string): void {
  if (!pattern.source.startsWith('^') || !pattern.source.endsWith('$')) {
    throw configError(
      `${option}: the RegExp ${String(pattern)} must be anchored with ^ and $, otherwise 'https://app.example.evil.com' matches 'app.example'.`,
    );
  }
  if (pattern.global || pattern.sticky)
    throw configError(`${option}: the RegExp ${String(pattern)} must not use the g or y flag (lastIndex makes matching stateful).`);
}

function originStrings(value: unknown, option: string): string[] {
  if (Array.isArray(value) && value.some((v) => typeof v !== 'string')) {
    const bad = value.find((v) => typeof v !== 'string');
    throw configError(
      `${option} must be a list of origin strings or RegExps, e.g. ['https://app.example.com', /^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/] (got ${describeValue(bad)} in the list).`,
    );
  }
  return stringList(value, option);
}

/** The part of `origins` to name when it accepts every origin: the RegExp(s) or 'function'. */
function broadestPart(origins: CorsOrigins): string {
  if (origins instanceof RegExp) return String(origins);
  if (!Array.isArray(origins)) return 'function';
  const broad = origins.filter((o): o is RegExp => o instanceof RegExp && ORIGIN_CANARIES.some((c) => o.test(c)));
  return broad.length === 0 ? 'list' : broad.map(String).join(' and ');
}

function tokens(value: unknown, option: string, upper: boolean): string[] {
  const list = stringList(value, option).map((t) => t.trim());
  for (const t of list) {
    if (t !== '*' && !TOKEN.test(t)) throw configError(`${option}: ${JSON.stringify(t)} is not a valid token.`);
  }
  return upper ? list.map((t) => t.toUpperCase()) : list.map((t) => t.toLowerCase());
}

/**
 * Cross-Origin Resource Sharing per the Fetch standard: exact origin matching, preflight
 * answered with 204, `Vary: Origin` whenever the answer depends on the origin, and
 * nothing for disallowed origins (the browser then blocks the read).
 *
 * @example
 * cors({ origins: ['https://app.example.com'], allowCredentials: true })
 */
export function cors(options: CorsOptions): Middleware {
  const opts = optionsObject(options, 'cors') as unknown as CorsOptions;
  checkKeys(opts, KEYS, 'cors');
  if (opts.origins === undefined)
    throw configError(
      "cors.origins is required: list the origins allowed to call this server, e.g. ['https://app.example.com'] (or '*' for public, credential-less APIs).",
    );
  const credentials = opts.allowCredentials ?? false;
  if (typeof credentials !== 'boolean') throw configError(`cors.allowCredentials must be true or false (got ${describeValue(credentials)}).`);
  if ((opts.origins === '*' || (Array.isArray(opts.origins) && opts.origins.length === 1 && opts.origins[0] === '*')) && credentials) {
    throw configError(
      "cors: origins '*' cannot be combined with allowCredentials: true (browsers refuse it, and reflecting every origin would expose user data); list the origins instead.",
    );
  }
  const { match, any } = compileOriginMatcher(opts.origins);
  // A RegExp or function that lets two unrelated made-up origins through allows every origin:
  // with credentials that is '*' in disguise (every site reads every user's data).
  if (!any && credentials && ORIGIN_CANARIES.every((o) => match(o))) {
    throw configError(
      `cors: origins ${broadestPart(opts.origins)} accepts any origin (it matched ${ORIGIN_CANARIES.join(' and ')}); with allowCredentials: true that exposes every user's data to every website. Match only your origins, e.g. ${String.raw`/^https:\/\/([a-z0-9-]+\.)?example\.com$/`}.`,
    );
  }
  if (any)
    warnConfig(
      "cors.origins: '*' lets any website read responses (without credentials). List origins unless this is a public API.",
      undefined,
      'cors.any-origin',
    );
  const methods = tokens(opts.methods ?? DEFAULT_METHODS, 'cors.methods', true);
  const allowHeaders = tokens(opts.headers ?? ['*'], 'cors.headers', false);
  const anyHeader = allowHeaders.includes('*');
  const allowHeaderSet = new Set(allowHeaders);
  const expose = tokens(opts.exposeHeaders ?? [], 'cors.exposeHeaders', false);
  const maxAge = String(numberOption(opts.maxAge ?? 86400, 'cors.maxAge', 0, 31536000));
  const privateNetwork = opts.privateNetwork ?? false;
  const methodsValue = methods.join(', ');
  const methodSet = new Set(methods);
  const exposeValue = expose.join(', ');
  for (const [n, v] of [
    ['access-control-allow-methods', methodsValue],
    ['access-control-expose-headers', exposeValue],
  ] as const)
    checkHeader(n, v, 'cors');
  const reflectOrigin = !any || credentials;

  const allowOrigin = (res: ResponseControl, origin: string): void => {
    res.set('access-control-allow-origin', reflectOrigin ? origin : '*');
    if (credentials) res.set('access-control-allow-credentials', 'true');
  };

  const preflight = (req: RequestView, res: ResponseControl, origin: string, requested: string): Reply => {
    const vary: Array<[string, string]> = [['vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers']];
    const denied: Reply = { status: 204, headers: vary };
    if (!match(origin)) return denied;
    const method = requested.trim().toUpperCase();
    // Simple methods are always allowed by the Fetch standard; others must be listed.
    if (!methodSet.has(method) && method !== 'GET' && method !== 'HEAD' && method !== 'POST') return denied;
    const requestHeaders = req.header('access-control-request-headers');
    let headersValue: string | undefined;
    if (requestHeaders !== undefined && requestHeaders.trim() !== '') {
      const asked = requestHeaders
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h !== '');
      if (!anyHeader && !asked.every((h) => allowHeaderSet.has(h))) return denied;
      // '*' reflects what was asked: only field names (RFC 9110 tokens) are ever echoed.
      if (anyHeader && !asked.every((h) => HEADER_NAME.test(h))) return denied;
      headersValue = anyHeader && !credentials ? '*' : asked.join(', ');
    }
    const wantsPrivate = req.header('access-control-request-private-network') === 'true';
    if (wantsPrivate && !privateNetwork) return denied;
    allowOrigin(res, origin);
    const headers: Array<[string, string]> = [...vary, ['access-control-allow-methods', methodsValue], ['access-control-max-age', maxAge]];
    if (headersValue !== undefined) headers.push(['access-control-allow-headers', headersValue]);
    if (wantsPrivate) headers.push(['access-control-allow-private-network', 'true']);
    headers.push(['content-length', '0']);
    return { status: 204, headers };
  };

  return Object.freeze<Middleware>({
    name: 'cors',
    handle(req, res) {
      const origin = req.header('origin');
      if (reflectOrigin) res.append('vary', 'Origin');
      if (origin === undefined) return undefined;
      if (req.method === 'OPTIONS') {
        const requested = req.header('access-control-request-method');
        if (requested !== undefined) return preflight(req, res, origin, requested);
      }
      if (!match(origin)) return undefined;
      allowOrigin(res, origin);
      if (exposeValue !== '') res.set('access-control-expose-headers', exposeValue);
      return undefined;
    },
  });
}
