/**
 * Validation of the `headers` options and their compilation into the frozen list of
 * [name, value] pairs the middleware writes on every response.
 */
import { warnConfig } from '../core/events.ts';
import { checkHeader, checkKeys, configError, describeValue, numberOption, optionsObject } from '../core/options.ts';
import { compileCsp, type CompiledCsp, type CspOption } from '../csp/compile.ts';

/** Referrer-Policy tokens. */
export type ReferrerPolicyToken =
  | 'no-referrer'
  | 'no-referrer-when-downgrade'
  | 'origin'
  | 'origin-when-cross-origin'
  | 'same-origin'
  | 'strict-origin'
  | 'strict-origin-when-cross-origin'
  | 'unsafe-url';

/** Strict-Transport-Security settings. */
export interface HstsOptions {
  /** Seconds browsers remember to use HTTPS only. Default 31536000 (one year). */
  maxAge?: number;
  /** Apply to every subdomain too. Default false. */
  includeSubDomains?: boolean;
  /** Ask to be put on the browsers' preload list (needs maxAge >= 31536000 and includeSubDomains). Default false. */
  preload?: boolean;
}

/** Options of `securityHeaders()` (the `headers` section of the preset). Every header may be `false` to omit it. */
export interface SecurityHeadersOptions {
  /** `X-Content-Type-Options: nosniff`. Default true. */
  contentTypeNosniff?: boolean;
  /** `X-Frame-Options`. Default 'DENY'. */
  frameOptions?: 'DENY' | 'SAMEORIGIN' | false;
  /** `Strict-Transport-Security`. Default false (opt-in); true means { maxAge: 31536000 }. */
  hsts?: boolean | HstsOptions;
  /** `Content-Security-Policy`. Default: rampart's strict default policy (see DEFAULT_CSP). */
  csp?: CspOption;
  /** `Referrer-Policy` (a list is sent as a fallback chain). Default 'strict-origin-when-cross-origin'. */
  referrerPolicy?: ReferrerPolicyToken | readonly ReferrerPolicyToken[] | false;
  /** `Permissions-Policy` as a header string or `{ camera: [], geolocation: ['self'] }`. Default 'camera=(), microphone=(), geolocation=()'. */
  permissionsPolicy?: string | Readonly<Record<string, string | readonly string[]>> | false;
  /** `Cross-Origin-Opener-Policy`. Default 'same-origin'. */
  crossOriginOpenerPolicy?: 'same-origin' | 'same-origin-allow-popups' | 'noopener-allow-popups' | 'unsafe-none' | false;
  /** `Cross-Origin-Resource-Policy`. Default 'same-origin'. */
  crossOriginResourcePolicy?: 'same-origin' | 'same-site' | 'cross-origin' | false;
  /** `Cross-Origin-Embedder-Policy`. Default false (off: it breaks cross-origin embeds that do not opt in). */
  crossOriginEmbedderPolicy?: 'require-corp' | 'credentialless' | 'unsafe-none' | false;
  /**
   * `X-XSS-Protection: 0`. Default true: tells old browsers to switch their legacy XSS
   * filter off (the filter itself could be abused to blank out or leak parts of a page;
   * the CSP is the defence). `false` omits the header. rampart never sends `1; mode=block`.
   */
  xssProtection?: boolean;
  /** `Origin-Agent-Cluster: ?1`. Default false. */
  originAgentCluster?: boolean;
  /** `X-DNS-Prefetch-Control`. Default false (not sent). */
  xDnsPrefetchControl?: 'on' | 'off' | false;
  /** `X-Permitted-Cross-Domain-Policies` (Adobe clients). Default false (not sent). */
  xPermittedCrossDomainPolicies?: 'none' | 'master-only' | 'by-content-type' | 'all' | false;
  /** When false (default) a header the application sets keeps the application's value; true re-applies rampart's values just before the head is sent. */
  override?: boolean;
}

/** What the middleware writes, precomputed. */
export interface CompiledHeaders {
  /** Static headers, in order (the CSP is here unless it carries a per-request nonce). */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  /** The compiled CSP, if any. */
  readonly csp: CompiledCsp | undefined;
  readonly override: boolean;
}

const OPTION_KEYS = [
  'contentTypeNosniff',
  'frameOptions',
  'hsts',
  'csp',
  'referrerPolicy',
  'permissionsPolicy',
  'crossOriginOpenerPolicy',
  'crossOriginResourcePolicy',
  'crossOriginEmbedderPolicy',
  'originAgentCluster',
  'xDnsPrefetchControl',
  'xPermittedCrossDomainPolicies',
  'xssProtection',
  'override',
] as const;

const REFERRER_TOKENS: readonly string[] = [
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
];
const ONE_YEAR = 31_536_000;
const PERMISSION_ITEM = /^[a-z][a-z0-9-]*=(?:\*|self|\((?:\s*(?:\*|self|src|"[^"\s,;]+"))*\s*\))$/;

function bool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw configError(`headers.${name} must be true or false (got ${describeValue(value)}).`);
  return value;
}

/** A value from a fixed set (case-insensitive), `false` to omit, or the default. */
function choice(value: unknown, name: string, allowed: readonly string[], fallback: string | false, hint = ''): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value === 'string') {
    const found = allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase());
    if (found !== undefined) return found;
  }
  throw configError(`headers.${name} must be ${allowed.map((a) => JSON.stringify(a)).join(', ')} or false (got ${describeValue(value)}).${hint}`);
}

function hstsValue(value: unknown): string | false {
  if (value === undefined || value === false) return false;
  const opts = value === true ? {} : optionsObject(value, 'headers.hsts');
  checkKeys(opts, ['maxAge', 'includeSubDomains', 'preload'], 'headers.hsts');
  const maxAge = opts.maxAge === undefined ? ONE_YEAR : numberOption(opts.maxAge, 'headers.hsts.maxAge (seconds)', 0, 5 * ONE_YEAR);
  const includeSubDomains = bool(opts.includeSubDomains, 'hsts.includeSubDomains', false);
  const preload = bool(opts.preload, 'hsts.preload', false);
  if (preload && (maxAge < ONE_YEAR || !includeSubDomains)) {
    throw configError(
      `headers.hsts.preload needs maxAge >= ${ONE_YEAR} and includeSubDomains: true (the preload list rejects anything less); got maxAge ${maxAge}, includeSubDomains ${includeSubDomains}.`,
    );
  }
  if (maxAge === 0) warnConfig('headers.hsts.maxAge is 0: browsers forget HSTS for this host.', undefined, 'hsts.max-age-zero');
  return `max-age=${maxAge}${includeSubDomains ? '; includeSubDomains' : ''}${preload ? '; preload' : ''}`;
}

function referrerValue(value: unknown): string | false {
  if (value === undefined) return 'strict-origin-when-cross-origin';
  if (value === false) return false;
  const tokens = typeof value === 'string' ? value.split(',').map((t) => t.trim()) : value;
  if (!Array.isArray(tokens) || tokens.length === 0)
    throw configError(`headers.referrerPolicy must be a policy token, a list of them, or false (got ${describeValue(value)}).`);
  for (const token of tokens) {
    if (typeof token !== 'string' || !REFERRER_TOKENS.includes(token)) {
      throw configError(`headers.referrerPolicy: ${describeValue(token)} is not a Referrer-Policy token; use one of ${REFERRER_TOKENS.join(', ')}.`);
    }
    if (token === 'unsafe-url' || token === 'no-referrer-when-downgrade') {
      warnConfig(`headers.referrerPolicy '${token}' sends full URLs (paths and query strings) to other sites.`);
    }
  }
  return tokens.join(', ');
}

function permissionsValue(value: unknown): string | false {
  if (value === undefined) return 'camera=(), microphone=(), geolocation=()';
  if (value === false) return false;
  let items: string[];
  if (typeof value === 'string')
    items = value
      .split(',')
      .map((i) => i.trim())
      .filter((i) => i !== '');
  else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    items = Object.entries(value).map(([feature, allow]) => {
      const name = feature.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      if (allow === '*') return `${name}=*`;
      const list = typeof allow === 'string' ? [allow] : allow;
      if (!Array.isArray(list))
        throw configError(`headers.permissionsPolicy.${feature} must be a list like [] or ['self', 'https://a.example'] (got ${describeValue(allow)}).`);
      const members = list.map((m: unknown) => {
        if (m === 'self' || m === "'self'") return 'self';
        if (m === '*' || m === 'src') return m;
        if (typeof m === 'string' && /^https?:\/\/[^\s"(),;]+$/.test(m)) return `"${m}"`;
        throw configError(`headers.permissionsPolicy.${feature}: ${describeValue(m)} is not 'self', '*' or an origin like 'https://a.example'.`);
      });
      return `${name}=(${members.join(' ')})`;
    });
  } else throw configError(`headers.permissionsPolicy must be a string, an object or false (got ${describeValue(value)}).`);
  if (items.length === 0) throw configError("headers.permissionsPolicy is empty; use false to omit it, or e.g. 'camera=()'.");
  for (const item of items) {
    if (!PERMISSION_ITEM.test(item)) {
      throw configError(
        `headers.permissionsPolicy: ${JSON.stringify(item)} is not a valid entry; write feature=() to disable, feature=(self) or feature=(self "https://a.example").`,
      );
    }
  }
  return items.join(', ');
}

/**
 * Validate `options` and precompute every header. Throws at construction for any
 * mistake; announces relaxed settings once via warnConfig. Never mutates `options`.
 */
export function compileHeaders(options: SecurityHeadersOptions | undefined): CompiledHeaders {
  const opts = optionsObject(options, 'securityHeaders') as Record<string, unknown>;
  checkKeys(opts, OPTION_KEYS, 'headers');
  const pairs: Array<readonly [string, string]> = [];
  const add = (name: string, value: string | false): void => {
    if (value === false) return;
    checkHeader(name, value, `headers (${name})`);
    pairs.push(Object.freeze([name, value] as const));
  };

  const nosniff = bool(opts.contentTypeNosniff, 'contentTypeNosniff', true);
  if (!nosniff) warnConfig('headers.contentTypeNosniff is false: browsers may MIME-sniff responses into scripts or styles.');
  add('X-Content-Type-Options', nosniff ? 'nosniff' : false);

  const frame = choice(opts.frameOptions, 'frameOptions', ['DENY', 'SAMEORIGIN'], 'DENY', ' ALLOW-FROM is obsolete: use csp frame-ancestors instead.');
  add('X-Frame-Options', frame);
  add('Strict-Transport-Security', hstsValue(opts.hsts));

  const csp = compileCsp(opts.csp as CspOption | undefined);
  if (frame === false && (csp === undefined || !csp.directives.has('frame-ancestors') || csp.headerName.endsWith('Report-Only'))) {
    warnConfig(
      "headers.frameOptions is false and no enforced CSP frame-ancestors is set: any site can frame these pages (clickjacking). Add frame-ancestors 'self' to the CSP.",
      undefined,
      'frame.unprotected',
    );
  }
  if (csp !== undefined) {
    if (csp.parts === undefined) add(csp.headerName, csp.value);
    for (const [name, value] of csp.extraHeaders) add(name, value);
  }

  add('Referrer-Policy', referrerValue(opts.referrerPolicy));
  add('Permissions-Policy', permissionsValue(opts.permissionsPolicy));
  const coop = choice(
    opts.crossOriginOpenerPolicy,
    'crossOriginOpenerPolicy',
    ['same-origin', 'same-origin-allow-popups', 'noopener-allow-popups', 'unsafe-none'],
    'same-origin',
  );
  if (coop === 'unsafe-none') warnConfig('headers.crossOriginOpenerPolicy is unsafe-none: cross-origin windows keep a reference to this one.');
  add('Cross-Origin-Opener-Policy', coop);
  add(
    'Cross-Origin-Resource-Policy',
    choice(opts.crossOriginResourcePolicy, 'crossOriginResourcePolicy', ['same-origin', 'same-site', 'cross-origin'], 'same-origin'),
  );
  add(
    'Cross-Origin-Embedder-Policy',
    choice(opts.crossOriginEmbedderPolicy, 'crossOriginEmbedderPolicy', ['require-corp', 'credentialless', 'unsafe-none'], false),
  );
  if (opts.xssProtection !== undefined && typeof opts.xssProtection !== 'boolean') {
    throw configError(
      `headers.xssProtection must be true (send X-XSS-Protection: 0) or false (omit it); got ${describeValue(opts.xssProtection)}. The legacy XSS filter is never switched on: it was itself an XSS vector.`,
    );
  }
  add('X-XSS-Protection', opts.xssProtection === false ? false : '0');
  add('Origin-Agent-Cluster', bool(opts.originAgentCluster, 'originAgentCluster', false) ? '?1' : false);
  add('X-DNS-Prefetch-Control', choice(opts.xDnsPrefetchControl, 'xDnsPrefetchControl', ['off', 'on'], false));
  add(
    'X-Permitted-Cross-Domain-Policies',
    choice(opts.xPermittedCrossDomainPolicies, 'xPermittedCrossDomainPolicies', ['none', 'master-only', 'by-content-type', 'all'], false),
  );

  return Object.freeze({ pairs: Object.freeze(pairs), csp, override: bool(opts.override, 'override', false) });
}
