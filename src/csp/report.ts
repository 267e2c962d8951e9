/**
 * `cspReport()`: the endpoint browsers POST Content-Security-Policy violation reports to
 * (`report-uri`: application/csp-report; Reporting API `report-to`:
 * application/reports+json). Each distinct report becomes a bounded, sanitised
 * CSP_VIOLATION event; a small built-in limiter (per client and overall, per window) and a
 * per-window count of identical reports keep a flood of reports from flooding the log.
 */
import { ipKey } from '../client-ip/ip.ts';
import { checkKeys, describeValue, numberOption, optionsObject, renamedOption } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import { isRampartError, RampartError } from '../errors.ts';

/** Options of {@link cspReport}. */
export interface CspReportOptions {
  /** The exact request path that receives reports. Default '/csp-report'. */
  path?: string;
  /** Largest accepted report body in bytes. Default 16384. */
  bodyLimit?: number;
  /** @deprecated Old name of `bodyLimit` (same value and unit); still accepted. */
  maxBytes?: number;
  /** Most violations recorded from one request (a Reporting API batch); the rest of a batch is ignored. Default 10. */
  maxReports?: number;
  /** Reports (requests) accepted from one client per window; more → 429. Clients are keyed by IP, IPv6 by /64. Default 20. */
  maxPerClient?: number;
  /** Reports (requests) accepted from all clients together per window; more → 429. Default 600. */
  maxTotal?: number;
  /**
   * Distinct violations logged per window; further ones are counted and logged as one
   * summary at the end of the window. Identical violations (same directive, blocked URL and
   * document URL) are logged once per window and then counted. Default 100.
   */
  maxEvents?: number;
  /** The window of the limits and counts, in seconds. Default 60. */
  window?: number;
  /** Clock in epoch milliseconds (tests). Default Date.now. */
  now?: () => number;
}

const KEYS = ['path', 'bodyLimit', 'maxBytes', 'maxReports', 'maxPerClient', 'maxTotal', 'maxEvents', 'window', 'now'];
/** Distinct client keys remembered per window for the refusal summary. */
const MAX_REFUSED_CLIENTS = 10_000;
const MEDIA_TYPES = new Set(['application/csp-report', 'application/reports+json', 'application/json']);
const FIELD_LIMIT = 200;
const NO_CONTENT: Reply = Object.freeze({ status: 204, headers: Object.freeze({ 'cache-control': 'no-store' }) });

interface Violation {
  directive: string;
  blocked: string;
  document: string;
}

/** Printable ASCII only, bounded; URLs lose their query and fragment (they may hold tokens). */
function clean(value: unknown, isUrl: boolean): string {
  if (typeof value !== 'string') return '';
  let text = value;
  if (isUrl) {
    const cut = text.search(/[?#]/);
    if (cut !== -1) text = text.slice(0, cut);
  }
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[^\x21-\x7e]/g, '');
  return text.length > FIELD_LIMIT ? `${text.slice(0, FIELD_LIMIT)}…` : text;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Violations in a parsed report body (both formats), or undefined when it is not a report. */
function violations(body: unknown, max: number): Violation[] | undefined {
  const legacy = record(record(body)?.['csp-report']);
  if (legacy !== undefined) {
    return [
      {
        directive: clean(legacy['effective-directive'] ?? legacy['violated-directive'], false),
        blocked: clean(legacy['blocked-uri'], true),
        document: clean(legacy['document-uri'], true),
      },
    ];
  }
  if (!Array.isArray(body)) return undefined;
  const out: Violation[] = [];
  for (const item of body) {
    const report = record(item);
    const inner = record(report?.body);
    if (report === undefined || inner === undefined) return undefined;
    if (report.type !== 'csp-violation') continue;
    if (out.length < max) {
      out.push({
        directive: clean(inner.effectiveDirective, false),
        blocked: clean(inner.blockedURL, true),
        document: clean(inner.documentURL ?? report.url, true),
      });
    }
  }
  return out;
}

/** One window of the limiter and the identical-report counts. */
interface Window {
  /** Epoch ms at which this window ends. */
  end: number;
  total: number;
  perClient: Map<string, number>;
  /** Distinct violations logged in this window → identical ones seen after the first. */
  logged: Map<string, number>;
  /** Violations not logged because `maxEvents` distinct ones were already. */
  overflow: number;
  refused: number;
  refusedClients: Set<string>;
  /** A request of this window, to emit its summaries through (the stack's sink). */
  emitter: RequestView | undefined;
}

/**
 * A middleware answering violation reports on `path` with 204 and emitting one
 * `CSP_VIOLATION` event per distinct violation (`directive=… blocked=… document=…`; URLs
 * without query strings, printable ASCII, 200 characters per field). Non-POST → 405, other
 * media types → 415, bodies over `bodyLimit` → 413, malformed JSON or not a report → 400.
 *
 * Floods are bounded: at most `maxPerClient` reports per client and `maxTotal` overall per
 * `window` (429 with Retry-After, no event per refusal; one `RATE_LIMIT_HIT` summary per
 * window), and at most `maxEvents` distinct violations logged per window. An identical
 * violation is logged once per window and then counted: at the end of the window one
 * `CSP_VIOLATION` summary `… repeated=N window=60s` carries the count (also on `close()`).
 * Place it after the rate limiter and before CSRF in a custom stack (browsers send no CSRF
 * token with reports).
 *
 * @example
 * stack([securityHeaders({ csp: { reportUri: '/csp-report' } }), rateLimit(), cspReport({ path: '/csp-report' })]);
 */
export function cspReport(options: CspReportOptions = {}): Middleware {
  const opts = optionsObject(options, 'cspReport');
  checkKeys(opts, KEYS, 'cspReport');
  const path = opts.path ?? '/csp-report';
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `cspReport.path must be an absolute path like "/csp-report" (got ${describeValue(path)}).`);
  }
  const bodyLimit = renamedOption(opts, 'bodyLimit', 'maxBytes', 'cspReport');
  const maxBytes = bodyLimit === undefined ? 16_384 : numberOption(bodyLimit, 'cspReport.bodyLimit', 256, 1_048_576);
  const maxReports = opts.maxReports === undefined ? 10 : numberOption(opts.maxReports, 'cspReport.maxReports', 1, 100);
  const maxPerClient = opts.maxPerClient === undefined ? 20 : numberOption(opts.maxPerClient, 'cspReport.maxPerClient', 1, 1_000_000);
  const maxTotal = opts.maxTotal === undefined ? 600 : numberOption(opts.maxTotal, 'cspReport.maxTotal', 1, 100_000_000);
  const maxEvents = opts.maxEvents === undefined ? 100 : numberOption(opts.maxEvents, 'cspReport.maxEvents', 1, 1_000_000);
  const windowSeconds = opts.window === undefined ? 60 : numberOption(opts.window, 'cspReport.window', 1, 86_400);
  const windowMs = windowSeconds * 1000;
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw new RampartError('ERR_RAMPART_CONFIG', `cspReport.now must be a function returning epoch milliseconds (got ${describeValue(opts.now)}).`);
  }
  const now = opts.now ?? Date.now;

  let current: Window | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Emit the window's summaries: repeated identical reports, unlogged overflow, refusals. */
  const flush = (w: Window): void => {
    const view = w.emitter;
    if (view === undefined) return;
    // Aggregates over many clients: no single client's address or user agent.
    const anonymous = { ip: undefined, userAgent: undefined };
    for (const [detail, repeats] of w.logged) {
      if (repeats > 0) view.emit('CSP_VIOLATION', `${detail} repeated=${repeats} window=${windowSeconds}s`, anonymous);
    }
    if (w.overflow > 0) {
      view.emit(
        'CSP_VIOLATION',
        `cspReport: ${w.overflow} further violations in ${windowSeconds}s not logged one by one (maxEvents ${maxEvents} distinct per window)`,
        anonymous,
      );
    }
    if (w.refused > 0) {
      const clients = w.refusedClients.size >= MAX_REFUSED_CLIENTS ? `${MAX_REFUSED_CLIENTS}+` : String(w.refusedClients.size);
      const only = w.refusedClients.size === 1 ? [...w.refusedClients][0]! : undefined;
      view.emit(
        'RATE_LIMIT_HIT',
        `cspReport: refused ${w.refused} reports from ${clients} clients in ${windowSeconds}s (limits: ${maxPerClient} per client, ${maxTotal} in all)`,
        {
          ...anonymous,
          ...(only !== undefined && only.indexOf('/') === -1 && only !== 'unknown' ? { ip: only } : {}),
        },
      );
    }
  };

  /** The window for `t`, closing (and summarising) the previous one when it has ended. */
  const windowAt = (t: number): Window => {
    if (current !== undefined && t < current.end) return current;
    if (current !== undefined) flush(current);
    if (timer !== undefined) clearTimeout(timer);
    current = { end: t + windowMs, total: 0, perClient: new Map(), logged: new Map(), overflow: 0, refused: 0, refusedClients: new Set(), emitter: undefined };
    // Summaries go out at the end of the window even when no further report arrives.
    const w = current;
    timer = setTimeout(() => {
      timer = undefined;
      if (current === w) {
        current = undefined;
        flush(w);
      }
    }, windowMs);
    timer.unref?.();
    return current;
  };

  const clientKey = (req: RequestView): string => {
    const ip = req.ip;
    return ip === '' ? 'unknown' : ip.indexOf(':') === -1 ? ip : ipKey(ip, 64);
  };

  /** 429 when the client or everyone is over the window's limit; otherwise counts the report. */
  const admit = (req: RequestView, w: Window, t: number): Reply | undefined => {
    const key = clientKey(req);
    const used = w.perClient.get(key) ?? 0;
    if (used >= maxPerClient || w.total >= maxTotal) {
      w.refused++;
      if (w.refusedClients.size < MAX_REFUSED_CLIENTS) w.refusedClients.add(key);
      const retry = String(Math.max(1, Math.ceil((w.end - t) / 1000)));
      const who = used >= maxPerClient ? `${maxPerClient} CSP reports per client` : `${maxTotal} CSP reports in all`;
      return problem(429, `Too many CSP reports: at most ${who} per ${windowSeconds} s.`, { headers: { 'retry-after': retry } });
    }
    w.perClient.set(key, used + 1);
    w.total++;
    return undefined;
  };

  /** Log a violation unless it was logged this window (then count it) or the event budget is spent. */
  const record = (req: RequestView, w: Window, detail: string): void => {
    const seen = w.logged.get(detail);
    if (seen !== undefined) w.logged.set(detail, seen + 1);
    else if (w.logged.size >= maxEvents) w.overflow++;
    else {
      w.logged.set(detail, 0);
      req.emit('CSP_VIOLATION', detail);
    }
  };

  async function receive(req: RequestView): Promise<Reply> {
    let bytes: Uint8Array;
    try {
      bytes = await req.readBody(maxBytes);
    } catch (error) {
      if (isRampartError(error, 'ERR_RAMPART_BODY_TOO_LARGE')) return problem(413, `A CSP report may be at most ${maxBytes} bytes.`);
      return problem(400, 'The CSP report body could not be read.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return problem(400, 'The CSP report is not valid UTF-8 JSON.');
    }
    const found = violations(parsed, maxReports);
    if (found === undefined) return problem(400, 'The body is not a CSP violation report.');
    // The window may have ended while the body was read: count in the one now open.
    const open = windowAt(now());
    open.emitter = req;
    for (const v of found) record(req, open, `directive=${v.directive || '?'} blocked=${v.blocked || '?'} document=${v.document || '?'}`);
    return NO_CONTENT;
  }

  return Object.freeze<Middleware>({
    name: 'cspReport',
    clientKeyed: true,
    handle(req) {
      if (req.path !== path) return undefined;
      if (req.method !== 'POST') return problem(405, 'CSP reports must be POSTed.', { headers: { allow: 'POST' } });
      const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!MEDIA_TYPES.has(type)) return problem(415, 'CSP reports must be application/csp-report or application/reports+json.');
      const t = now();
      const w = windowAt(t);
      w.emitter ??= req;
      const refused = admit(req, w, t);
      if (refused !== undefined) return refused;
      return receive(req);
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const w = current;
      current = undefined;
      if (w !== undefined) flush(w);
    },
  });
}
