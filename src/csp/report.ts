/**
 * `cspReport()`: the endpoint browsers POST Content-Security-Policy violation reports to
 * (`report-uri`: application/csp-report; Reporting API `report-to`:
 * application/reports+json). Each report becomes a bounded, sanitised CSP_VIOLATION event.
 */
import { checkKeys, describe, numberOption, optionsObject } from '../core/options.ts';
import { problem } from '../core/problem.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import { isRampartError, RampartError } from '../errors.ts';

/** Options of {@link cspReport}. */
export interface CspReportOptions {
  /** The exact request path that receives reports. Default '/csp-report'. */
  path?: string;
  /** Largest accepted report body in bytes. Default 16384. */
  maxBytes?: number;
  /** Most violations recorded from one request (a Reporting API batch). Default 10. */
  maxReports?: number;
}

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
    return [{
      directive: clean(legacy['effective-directive'] ?? legacy['violated-directive'], false),
      blocked: clean(legacy['blocked-uri'], true),
      document: clean(legacy['document-uri'], true),
    }];
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

/**
 * A middleware answering violation reports on `path` with 204 and emitting one
 * `CSP_VIOLATION` event per violation (`directive=… blocked=… document=…`; URLs without
 * query strings, printable ASCII, 200 characters per field). Non-POST → 405, other media
 * types → 415, bodies over `maxBytes` → 413, malformed JSON or not a report → 400.
 * Place it before CSRF in a custom stack (browsers send no CSRF token with reports).
 *
 * @example
 * stack([securityHeaders({ csp: { reportUri: '/csp-report' } }), cspReport({ path: '/csp-report' })]);
 */
export function cspReport(options: CspReportOptions = {}): Middleware {
  const opts = optionsObject(options, 'cspReport');
  checkKeys(opts, ['path', 'maxBytes', 'maxReports'], 'cspReport');
  const path = opts.path ?? '/csp-report';
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path)) {
    throw new RampartError('ERR_RAMPART_CONFIG', `cspReport.path must be an absolute path like "/csp-report" (got ${describe(path)}).`);
  }
  const maxBytes = opts.maxBytes === undefined ? 16_384 : numberOption(opts.maxBytes, 'cspReport.maxBytes', 256, 1_048_576);
  const maxReports = opts.maxReports === undefined ? 10 : numberOption(opts.maxReports, 'cspReport.maxReports', 1, 100);

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
    for (const v of found) req.emit('CSP_VIOLATION', `directive=${v.directive || '?'} blocked=${v.blocked || '?'} document=${v.document || '?'}`);
    return NO_CONTENT;
  }

  return {
    name: 'cspReport',
    handle(req) {
      if (req.path !== path) return undefined;
      if (req.method !== 'POST') return problem(405, 'CSP reports must be POSTed.', { headers: { allow: 'POST' } });
      const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!MEDIA_TYPES.has(type)) return problem(415, 'CSP reports must be application/csp-report or application/reports+json.');
      return receive(req);
    },
  };
}
