import type { ProxyHeadersOption, TrustProxyOption } from './client-ip/index.ts';
import { checkKeys, configError, describeValue, optionsObject, section } from './core/options.ts';
import type { EventSink, Middleware, SecurityEventRecord } from './core/types.ts';
import { blocklist as createBlocklist, type Blocklist, type BlocklistOptions } from './abuse/index.ts';
import { cors, type CorsOptions } from './cors/index.ts';
import { compression, type CompressionOptions } from './compression/index.ts';
import { csrf, type CsrfOptions } from './csrf/index.ts';
import { cspReport } from './csp/index.ts';
import { bodyLimit, hostGuard, httpsRedirect, type BodyLimitOptions, type HttpsRedirectOptions } from './guards/index.ts';
import { securityHeaders, type SecurityHeadersOptions } from './headers/index.ts';
import { SecurityLog, type SecurityLogOptions } from './log/index.ts';
import { jsonLinesSink } from './log/json-lines.ts';
import { collectConfigWarnings, getDefaultEventSink, safeEmit, warnConfig } from './core/events.ts';
import { recordConfig } from './core/config-registry.ts';
import { rateLimit, type RateLimitOptions } from './ratelimit/index.ts';
import { stack, type Shield } from './stack/index.ts';
import { monitor as createMonitor, type Monitor, type MonitorOptions, type MonitorSource } from './monitor/index.ts';
import type { OnReject } from './core/on-reject.ts';

/** Options of the {@link rampart} preset. Every section may be `false`. */
export interface RampartOptions {
  /** Which peers may report the client address and scheme. Default false (socket address only). */
  trustProxy?: TrustProxyOption;
  /** Header family trusted proxies use: `'x-forwarded'` (default) or `'forwarded'` (RFC 7239); the other is ignored. */
  proxyHeaders?: ProxyHeadersOption;
  /** Accept `%2F`/`%5C` inside path segments instead of answering 400 (README: "One canonical request"). Default false; announced. */
  allowEncodedSlashes?: boolean;
  /** Host / X-Forwarded-Host allowlist (`'example.com'`, `'.example.org'`); others get 400. Default: no host check. */
  allowedHosts?: readonly string[];
  /** Redirect plain HTTP to https:// (needs allowedHosts or `{ host }`). Default false. */
  httpsRedirect?: boolean | HttpsRedirectOptions;
  /** Maximum request body in bytes (413 beyond), or `{ maxBytes, idleTimeout }` (a body silent for idleTimeout s: 408; default 10). Default 1 MiB. */
  bodyLimit?: number | BodyLimitOptions | false;
  /** IP / CIDR blocklist answering 403 before any other work (after the headers). Default on, in memory. */
  blocklist?: BlocklistOptions | boolean;
  /** Security headers and CSP. Default on (see securityHeaders()). */
  headers?: SecurityHeadersOptions | boolean;
  /** CORS. Default off (no cross-origin reads). */
  cors?: CorsOptions | false;
  /** Rate limit per client. Default 100 requests per 60 s (the seed's). */
  rateLimit?: RateLimitOptions | boolean;
  /**
   * CSRF protection. Default on: without a `secret`, the token-less Fetch-Metadata/Origin
   * check (mode 'origin'); with a secret, signed double-submit tokens as well (mode 'both').
   */
  csrf?: CsrfOptions | boolean;
  /** Response compression. Default on. */
  compression?: CompressionOptions | boolean;
  /**
   * Where security events go. Default: one JSON line per event on stderr (bounded volume,
   * no database; see jsonLinesSink). SecurityLog options (`{ database: './data/security' }`,
   * `'memory'`, `'postgres://…'`) open that database when the shield is built — an embedded
   * PGlite in a worker thread, never on the request path. Also a SecurityLog, any EventSink, or false.
   */
  log?: false | SecurityLog | EventSink | SecurityLogOptions;
  /**
   * Monitoring and alerts (README "Monitoring and alerts"): monitor options, a `monitor()`
   * instance, or true for the defaults. Put first in the chain so it counts every answer; fed
   * by the log's events and writing ALERT events to it. Default off.
   */
  monitor?: MonitorOptions | Monitor | boolean;
  /**
   * The app's own answer to rejections (403 CSRF, 429, 400 host, 413, …):
   * `(rejection, req) => Response | { status, headers, body } | undefined`. Default: an HTML
   * page for browsers, problem+json for everyone else (README: "Pages for people").
   */
  onReject?: OnReject;
}

/** The preset's shield: a {@link Shield} plus the SecurityLog it writes to (if any). */
export interface RampartShield extends Shield {
  /** The SecurityLog the preset created or was given; undefined with `log: false` or a plain sink. */
  readonly log: SecurityLog | undefined;
  /** The preset's blocklist: `shield.blocklist.block('203.0.113.7', { seconds: 900, reason })`; undefined with `blocklist: false`. */
  readonly blocklist: Blocklist | undefined;
  /** The preset's monitor (`shield.monitor.snapshot()`, `.stats()`); undefined without the `monitor` option. */
  readonly monitor: Monitor | undefined;
}

const KEYS = [
  'trustProxy',
  'proxyHeaders',
  'allowEncodedSlashes',
  'blocklist',
  'allowedHosts',
  'httpsRedirect',
  'bodyLimit',
  'headers',
  'cors',
  'rateLimit',
  'csrf',
  'compression',
  'log',
  'monitor',
  'onReject',
] as const;

function logOption(value: RampartOptions['log']): { sink: EventSink; log: SecurityLog | undefined; ownedSink?: { close(): void } } {
  if (value === false) return { sink: { emit: () => undefined }, log: undefined };
  if (value === undefined) {
    // setSecurityLog() installs a process-wide log: it wins over the stderr lines.
    const lines = jsonLinesSink();
    const sink: EventSink = {
      emit(record) {
        const installed = getDefaultEventSink();
        if (installed !== undefined) safeEmit(installed, record);
        else lines.emit(record);
      },
    };
    return { sink, log: undefined, ownedSink: lines };
  }
  if (value instanceof SecurityLog) return { sink: value, log: value };
  if (typeof value === 'object' && value !== null && typeof (value as EventSink).emit === 'function') return { sink: value as EventSink, log: undefined };
  if (typeof value !== 'object' || value === null) {
    throw configError(`log must be false, a SecurityLog, an event sink or SecurityLog options (got ${describeValue(value)}).`);
  }
  const log = new SecurityLog(value as SecurityLogOptions);
  // Open the database now, off the request path (PGlite in a worker thread); a failure
  // here is retried and reported by the log's writer, like any database outage.
  log.ready().catch(() => undefined);
  return { sink: log, log };
}

/**
 * The safe-by-default stack, in the spec's order: security headers (outermost, also on
 * the stack's own 4xx/5xx) → blocklist → host guard → HTTPS redirect → body limit → CORS
 * (answers preflight) → rate limit → CSP report endpoint → CSRF → compression (innermost).
 *
 * @example
 * const shield = rampart({ allowedHosts: ['example.com'], csrf: { secret: process.env.CSRF_SECRET } });
 * http.createServer(shield.node(handler)).listen(3000);
 */
export function rampart(options: RampartOptions = {}): RampartShield {
  // Warnings raised while the middleware is compiled go to this preset's log once it
  // exists (they would otherwise reach only a log installed with setSecurityLog()).
  const { value, warnings } = collectConfigWarnings(() => build(options));
  for (const message of warnings) safeEmit(value.sink, { event: 'CONFIG_WARNING', detail: message });
  recordConfig('rampart', options, warnings, value.shield.log, value.shield.context);
  return value.shield;
}

function build(options: RampartOptions): { shield: RampartShield; sink: EventSink } {
  const opts = optionsObject(options, 'rampart') as RampartOptions;
  checkKeys(opts, KEYS, 'rampart');
  const chain: Middleware[] = [];
  const watch = monitorOption(opts.monitor);
  if (watch !== undefined) chain.push(watch);

  const headers = section(opts.headers, 'headers', true);
  if (headers === false)
    warnConfig(
      'headers: false: no security headers are sent (no CSP, HSTS, X-Frame-Options, nosniff); set headers: true or pass header options instead.',
      undefined,
      'headers.off',
    );
  if (headers !== false) {
    const headerMiddleware = securityHeaders(headers);
    chain.push(headerMiddleware);
  }
  const blockOptions = section(opts.blocklist, 'blocklist', true);
  const blocks = blockOptions === false ? undefined : createBlocklist(blockOptions);
  if (blocks !== undefined) chain.push(blocks);
  if (opts.allowedHosts !== undefined) chain.push(hostGuard({ allowedHosts: opts.allowedHosts }));
  const redirect = section(opts.httpsRedirect, 'httpsRedirect', false);
  if (redirect !== false) {
    chain.push(httpsRedirect({ ...(opts.allowedHosts !== undefined && redirect.host === undefined ? { allowedHosts: opts.allowedHosts } : {}), ...redirect }));
  }
  if (opts.bodyLimit !== false) chain.push(bodyLimit(opts.bodyLimit ?? 1_048_576));
  else
    warnConfig(
      'bodyLimit: false: request bodies of any size reach the application; set a byte limit (default 1 MiB) unless something in front caps them.',
      undefined,
      'bodyLimit.off',
    );

  if (opts.cors !== undefined && opts.cors !== false) {
    // CSRF does not inherit cors.origins: reading cross-origin is not writing with the
    // user's cookies. Origins that may post go in csrf.trustedOrigins.
    chain.push(cors(optionsObject(opts.cors, 'cors') as unknown as CorsOptions));
  }

  const limit = section(opts.rateLimit, 'rateLimit', true);
  if (limit === false)
    warnConfig(
      'rateLimit: false: no request is rate limited (brute force, scraping and floods are unchecked); remove the option or pass limits.',
      undefined,
      'rateLimit.off',
    );
  else {
    if (limit.skip !== undefined) warnConfig('rateLimit.skip: requests for which skip() returns true are not counted or limited.');
    if (limit.allowlist !== undefined && limit.allowlist.length > 0)
      warnConfig(`rateLimit.allowlist: clients from ${limit.allowlist.join(', ')} are never rate limited.`);
    chain.push(rateLimit(limit));
  }

  // Behind the rate limiter: reports are requests like any other and count against the
  // client's budget; cspReport adds its own per-client, global and identical-report bounds.
  if (headers !== false && typeof headers.csp === 'object' && headers.csp !== null) {
    const reportUri = (headers.csp as { reportUri?: unknown }).reportUri;
    if (typeof reportUri === 'string' && reportUri.startsWith('/')) chain.push(cspReport({ path: reportUri }));
  }

  const csrfOptions = section(opts.csrf, 'csrf', true);
  if (csrfOptions === false)
    warnConfig(
      'csrf: false: no CSRF protection; cookie-authenticated state changes can be forged cross-site. Remove the option unless the app uses no cookies for auth.',
      undefined,
      'csrf.off',
    );
  else if (csrfOptions.secret === undefined && csrfOptions.mode === undefined) {
    warnConfig(
      "csrf has no secret, so it runs origin checks only (Fetch-Metadata/Origin) and no signed tokens; set csrf.secret (e.g. process.env.CSRF_SECRET, `openssl rand -base64 48`) for tokens too, or mode: 'origin' to choose this explicitly.",
      undefined,
      'csrf.no-secret',
    );
  }
  if (csrfOptions !== false) {
    const withMode: CsrfOptions = csrfOptions.secret === undefined && csrfOptions.mode === undefined ? { ...csrfOptions, mode: 'origin' } : { ...csrfOptions };
    chain.push(csrf(withMode));
  }

  const compress = section(opts.compression, 'compression', true);
  if (compress !== false) chain.push(compression(compress));

  const { sink, log, ownedSink } = logOption(opts.log);
  // The monitor counts the log's events (the app's LOGIN_FAILED too, when the log can be
  // observed) and writes its ALERT events there; a plain sink is teed to it instead.
  let events = sink;
  if (watch !== undefined) {
    watch.connect(sink);
    if (typeof (sink as MonitorSource).observe !== 'function') events = teeSink(sink, watch);
  }
  const shield = stack(chain, {
    trustProxy: opts.trustProxy,
    proxyHeaders: opts.proxyHeaders,
    ...(opts.allowEncodedSlashes !== undefined ? { allowEncodedSlashes: opts.allowEncodedSlashes } : {}),
    ...(opts.onReject !== undefined ? { onReject: opts.onReject } : {}),
    events,
  });
  const preset: RampartShield = Object.freeze({
    ...shield,
    log,
    blocklist: blocks,
    monitor: watch,
    async close() {
      await shield.close();
      ownedSink?.close();
      if (log !== undefined && !(opts.log instanceof SecurityLog)) await log.close();
    },
  });
  return { shield: preset, sink };
}

function monitorOption(value: RampartOptions['monitor']): Monitor | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return createMonitor();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(`monitor must be true, false, monitor options or a monitor() instance (got ${describeValue(value)}).`);
  }
  if ((value as Monitor).name === 'monitor' && typeof (value as Monitor).handle === 'function') return value as Monitor;
  return createMonitor(value as MonitorOptions);
}

/** Forward events to several sinks (e.g. the SecurityLog and an adaptive blocker). */
export function teeSink(...sinks: EventSink[]): EventSink {
  return {
    emit(record: SecurityEventRecord) {
      for (const sink of sinks) {
        try {
          sink.emit(record);
        } catch {
          // one failing sink must not starve the others
        }
      }
    },
  };
}
