import { warnConfig } from '../core/events.ts';
import { checkKeys, configError, describeValue, numberOption, optionsObject, stringList } from '../core/options.ts';
import type { RequestView } from '../core/types.ts';
import { trustedOriginSet } from './origin.ts';
import { compileExemptPaths } from './paths.ts';
import { requireSecret, type Secret } from '../crypto/secret.ts';
import { TokenSigner } from './token.ts';

/** Which CSRF layers run on unsafe requests. */
export type CsrfMode = 'both' | 'token' | 'origin';

/** Options of {@link csrf} (the seed's CSRFMiddleware parameters, camelCased, plus rampart's additions). */
export interface CsrfOptions {
  /**
   * HMAC key(s) for tokens: ≥ 32 bytes, not a placeholder, not low-entropy (`requireSecret`).
   * A list rotates keys: the first signs, every entry verifies. Required unless `mode: 'origin'`.
   */
  secret?: string | Uint8Array | Secret | ReadonlyArray<string | Uint8Array | Secret>;
  /** Token cookie name. Default `'csrf_token'` (`'__Host-csrf_token'` with `hostPrefix`). */
  cookieName?: string;
  /** Request header carrying the token. Default `'x-csrf-token'`. */
  headerName?: string;
  /** Form field carrying the token (urlencoded and multipart bodies). Default `'_csrf_token'`. */
  fieldName?: string;
  /** Path prefixes that skip CSRF checks (webhooks). Default none. Announced at startup. */
  exemptPaths?: readonly string[];
  /**
   * Origins (`https://app.example.com`) whose cross-origin requests pass the origin layer.
   * Default none. The only origins CSRF trusts: the CORS allowlist is never inherited
   * (letting a site read is not letting it write with the user's cookies).
   */
  trustedOrigins?: readonly string[];
  /** `'both'` (default): origin layer, then token; `'token'`: token only; `'origin'`: fetch-metadata/Origin only, no token. */
  mode?: CsrfMode;
  /**
   * Session identifier to bind tokens to (a token from another session fails). Default: none.
   * It reads the request: a handler that creates or replaces the session with a cookie of its
   * own names the new id, `csrfToken(req, { sessionId })` / `rotateCsrf(res, { sessionId })`.
   */
  sessionId?: (req: RequestView) => string | undefined;
  /** Return true to skip CSRF checks for a request (e.g. authenticated by a signature). */
  skip?: (req: RequestView) => boolean;
  /**
   * Header name(s) whose presence marks an API client and skips CSRF (a browser cannot
   * attach them cross-site without a CORS preflight). `'authorization'` counts only for the
   * `Bearer` scheme (browsers attach cached Basic credentials on their own). Default none.
   */
  apiKeyHeader?: string | readonly string[];
  /** Use the `__Host-` cookie prefix (Secure, Path=/, no Domain; needs HTTPS). Default false. */
  hostPrefix?: boolean;
  /** Most bytes read from a form body to find the field. Default 1 MiB (1048576). */
  bodyLimit?: number;
}

const KEYS = [
  'secret',
  'cookieName',
  'headerName',
  'fieldName',
  'exemptPaths',
  'trustedOrigins',
  'mode',
  'sessionId',
  'skip',
  'apiKeyHeader',
  'hostPrefix',
  'bodyLimit',
] as const;

const TOKEN_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The validated, frozen configuration the middleware runs on. */
export interface CsrfConfig {
  readonly mode: CsrfMode;
  readonly signer: TokenSigner | undefined;
  readonly cookieName: string;
  readonly headerName: string;
  readonly fieldName: string;
  readonly hostPrefix: boolean;
  readonly bodyLimit: number;
  readonly trusted: ReadonlySet<string>;
  readonly isExempt: (rawPath: string) => boolean;
  readonly hasExempt: boolean;
  readonly sessionId: ((req: RequestView) => string | undefined) | undefined;
  readonly skip: ((req: RequestView) => boolean) | undefined;
  /** Lower-case API-key header names other than authorization. */
  readonly apiKeyHeaders: readonly string[];
  /** True when `Authorization: Bearer …` skips CSRF. */
  readonly bearer: boolean;
}

function name(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !TOKEN_NAME.test(value)) {
    throw configError(`${option} must be a cookie/header/field token such as ${JSON.stringify(fallback)} (got ${describeValue(value)}).`);
  }
  return value;
}

function fn<T>(value: unknown, option: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw configError(`${option} must be a function (got ${describeValue(value)}).`);
  return value as T;
}

/** Validate `csrf()` options (never mutating them) and compile the runtime configuration. */
export function compileCsrfOptions(input: CsrfOptions | undefined): CsrfConfig {
  const options = optionsObject(input, 'csrf');
  if (options.corsOrigins !== undefined) {
    // Removed: CSRF used to trust the CORS allowlist. Refused rather than ignored, so an app
    // that relied on it learns where its origins belong.
    throw configError(
      "csrf.corsOrigins was removed: CSRF no longer trusts the CORS allowlist (a site allowed to read is not allowed to write with the user's cookies); list the origins that may send unsafe requests in csrf.trustedOrigins.",
    );
  }
  checkKeys(options, KEYS, 'csrf');
  const mode = options.mode ?? 'both';
  if (mode !== 'both' && mode !== 'token' && mode !== 'origin') {
    throw configError(`csrf.mode must be 'both', 'token' or 'origin' (got ${describeValue(mode)}).`);
  }
  let signer: TokenSigner | undefined;
  if (mode !== 'origin' || options.secret !== undefined) {
    signer = new TokenSigner(requireSecret(options.secret, { name: 'csrf.secret', code: 'ERR_RAMPART_CSRF_SECRET', rotation: true }));
  }
  const hostPrefix = options.hostPrefix === undefined ? false : options.hostPrefix;
  if (typeof hostPrefix !== 'boolean') throw configError(`csrf.hostPrefix must be true or false (got ${describeValue(hostPrefix)}).`);
  const baseCookie = name(options.cookieName, 'csrf.cookieName', 'csrf_token');
  if (/^__(host|secure)-/i.test(baseCookie)) {
    throw configError('csrf.cookieName must not carry a __Host-/__Secure- prefix itself; set hostPrefix: true instead.');
  }
  const headerName = name(options.headerName, 'csrf.headerName', 'x-csrf-token').toLowerCase();
  const fieldName = name(options.fieldName, 'csrf.fieldName', '_csrf_token');
  const bodyLimit = options.bodyLimit === undefined ? 1_048_576 : numberOption(options.bodyLimit, 'csrf.bodyLimit', 0, 1 << 30);
  const trusted = trustedOriginSet(
    options.trustedOrigins === undefined ? [] : stringList(options.trustedOrigins, 'csrf.trustedOrigins'),
    'csrf.trustedOrigins',
  );
  const exempt = options.exemptPaths === undefined ? [] : stringList(options.exemptPaths, 'csrf.exemptPaths');
  const isExempt = compileExemptPaths(exempt);
  const apiKeys = options.apiKeyHeader === undefined ? [] : stringList(options.apiKeyHeader, 'csrf.apiKeyHeader');
  for (const h of apiKeys) name(h, 'csrf.apiKeyHeader', 'x-api-key');
  const lowerKeys = apiKeys.map((h) => h.toLowerCase());
  const bearer = lowerKeys.includes('authorization');
  for (const h of lowerKeys) {
    if (h === 'cookie') throw configError('csrf.apiKeyHeader cannot be "cookie": browsers attach cookies cross-site, which is exactly what CSRF abuses.');
  }
  if (exempt.length > 0) warnConfig(`csrf: requests under ${exempt.join(', ')} skip CSRF checks (exemptPaths)`, undefined, 'csrf.exempt');
  if (options.skip !== undefined) warnConfig('csrf.skip: requests for which skip() returns true are not checked for CSRF.');
  if (apiKeys.length > 0) {
    warnConfig(
      `csrf.apiKeyHeader: requests carrying ${apiKeys.join(' or ')} skip CSRF checks; make sure the app authenticates those requests by that header only, never by cookie.`,
    );
  }
  return Object.freeze({
    mode,
    signer,
    cookieName: hostPrefix ? `__Host-${baseCookie}` : baseCookie,
    headerName,
    fieldName,
    hostPrefix,
    bodyLimit,
    trusted,
    isExempt,
    hasExempt: exempt.length > 0,
    sessionId: fn<(req: RequestView) => string | undefined>(options.sessionId, 'csrf.sessionId'),
    skip: fn<(req: RequestView) => boolean>(options.skip, 'csrf.skip'),
    apiKeyHeaders: lowerKeys.filter((h) => h !== 'authorization'),
    bearer,
  });
}
