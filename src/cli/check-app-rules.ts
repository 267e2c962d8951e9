/**
 * The rules of `rampart check --app` over what the app really built (read in the check's
 * child process): each recorded rampart() shield through the option rules, plus the rules
 * only a running configuration shows — SecurityLog retention, login routes without a
 * rate-limit rule, server timeouts, cookie attributes and runtime proxy warnings.
 */
import type { ConfigRecord } from '../core/config-registry.ts';
import type { RampartOptions } from '../preset.ts';
import { trimTrailingSlashes } from '../core/text-scan.ts';
import { checkOptions, configWarningFindings, finding } from './check-rules.ts';
import type { Finding } from './findings.ts';

/** A node server the app created (its timeouts, in milliseconds). */
export interface ServerSnapshot {
  kind: string;
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
}

/** What the child reports to the parent on file descriptor 3. */
export interface AppSnapshot {
  loadError?: string;
  shields: number;
  findings: Finding[];
}

/** W031 for a rampart() shield that no adapter method (node, express, fastify, hono, fetch) was called for. */
export function unmountedFinding(): Finding {
  return finding(
    'RAMPART-W031',
    'a rampart() shield was built but never mounted while the app loaded (no shield.node/express/fastify/hono/fetch call): nothing it configures is enforced.',
    undefined,
    'mount it: http.createServer(shield.node(handler)), app.use(shield.express()), await app.register(shield.fastify()), app.use(shield.hono()).',
  );
}

/** Paths that take credentials: brute-force targets. */
const LOGIN_PATH = /\/(?:log-?in|sign-?in|auth|token|password|session)s?(?:\/|$|\?|:)/i;
// node's own defaults, in ms: above them a server is looser than node out of the box.
const NODE_HEADERS_TIMEOUT = 60_000;
const NODE_REQUEST_TIMEOUT = 300_000;
const HARDENED_HEADERS_TIMEOUT = 10_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a rate-limit rule's `match` covers `path` (same semantics as ratelimit/rules.ts, on the literal route path). */
function ruleCovers(match: unknown, path: string): boolean {
  const test = (m: unknown): boolean => {
    if (typeof m === 'string') {
      const base = m.length > 1 ? trimTrailingSlashes(m).toLowerCase() : m;
      const p = path.toLowerCase();
      return p === base || p.startsWith(`${base}/`) || base === '/';
    }
    if (m instanceof RegExp) {
      m.lastIndex = 0;
      return m.test(path) || m.test(path.toLowerCase());
    }
    return false;
  };
  if (isObject(match) && !(match instanceof RegExp)) return match.path === undefined ? true : test(match.path);
  return test(match);
}

/** Login-like routes of the app that no `rateLimit.rules` entry covers. */
export function unprotectedLoginRoutes(options: RampartOptions, routes: readonly string[]): string[] {
  const logins = routes.filter((r) => LOGIN_PATH.test(r.endsWith('/') ? r : `${r}/`));
  if (logins.length === 0) return [];
  if (options.rateLimit === false) return logins;
  const rules = isObject(options.rateLimit) && Array.isArray(options.rateLimit.rules) ? options.rateLimit.rules : [];
  return logins.filter((route) => !rules.some((rule) => isObject(rule) && ruleCovers(rule.match, route)));
}

/** W034: the preset's SecurityLog keeps events forever. */
function retentionFindings(options: RampartOptions, log: unknown): Finding[] {
  if (options.log === false || log === undefined || log === null) return [];
  const retention = (log as { retention?: unknown }).retention;
  if (retention !== undefined && retention !== null) return [];
  return [
    finding(
      'RAMPART-W034',
      'The SecurityLog has no retention: events (IP addresses, user ids) are kept forever.',
      undefined,
      'pass log: { database, retention: { days: 90 } } (or new SecurityLog({ retention: true })), or run `rampart log cleanup --days 90` on a schedule.',
    ),
  ];
}

/** W037 for the preset's CSRF cookie: without `hostPrefix`, Secure depends on the request looking like HTTPS. */
function csrfCookieFindings(options: RampartOptions, production: boolean): Finding[] {
  if (!production || !isObject(options.csrf)) return [];
  const csrf = options.csrf as Record<string, unknown>;
  if (csrf.secret === undefined || csrf.mode === 'origin' || csrf.hostPrefix === true) return [];
  return [
    finding(
      'RAMPART-W037',
      'The CSRF token cookie has no __Host- prefix: it is Secure only when the request looks like HTTPS to rampart (behind a TLS proxy without trustProxy it does not).',
      'warning',
      'set csrf: { hostPrefix: true } (Secure, Path=/, no Domain) once the site is served over HTTPS.',
    ),
  ];
}

/** W037 for sessions() and serializeCookie() options that drop Secure, HttpOnly or SameSite. */
export function cookieFindings(kind: ConfigRecord['kind'], options: unknown, production: boolean): Finding[] {
  if (!isObject(options)) return [];
  const out: Finding[] = [];
  const what = kind === 'sessions' ? 'sessions()' : `the cookie ${typeof options.name === 'string' ? options.name : ''}`.trim();
  if (options.secure === false)
    out.push(
      finding(
        'RAMPART-W037',
        `${what} sets cookies without Secure: they travel over plain HTTP.`,
        production ? 'error' : 'info',
        "remove secure: false (sessions: 'auto').",
      ),
    );
  if (kind === 'cookie' && options.httpOnly === false)
    out.push(
      finding(
        'RAMPART-W037',
        `${what} is readable by page scripts (no HttpOnly): an XSS can steal it.`,
        'warning',
        'remove httpOnly: false unless scripts must read it.',
      ),
    );
  if (typeof options.sameSite === 'string' && options.sameSite.toLowerCase() === 'none')
    out.push(
      finding(
        'RAMPART-W037',
        `${what} uses SameSite=None: the cookie is sent on cross-site requests.`,
        'warning',
        "use sameSite: 'Lax' (default) unless the cookie must work inside another site.",
      ),
    );
  return out;
}

/** W035: node server timeouts that let slow clients hold sockets (slowloris). */
export function timeoutFindings(servers: readonly ServerSnapshot[]): Finding[] {
  const out: Finding[] = [];
  servers.forEach((s, i) => {
    const name = servers.length > 1 ? `server #${i + 1} (${s.kind})` : `the ${s.kind}`;
    const hint = 'call hardenServer(server) from rampart (headersTimeout 10 s, requestTimeout 30 s, keepAliveTimeout 5 s).';
    const problems: string[] = [];
    let severity: 'error' | 'warning' | 'info' = 'info';
    if (s.headersTimeout === 0 || s.requestTimeout === 0) {
      problems.push(
        `${s.headersTimeout === 0 ? 'headersTimeout' : 'requestTimeout'} is 0 (disabled): a client that trickles its request holds the socket forever`,
      );
      severity = 'error';
    }
    if (s.keepAliveTimeout === 0) {
      problems.push('keepAliveTimeout is 0: idle keep-alive sockets are never closed');
      if (severity !== 'error') severity = 'warning';
    }
    if ((s.headersTimeout ?? 0) > NODE_HEADERS_TIMEOUT || (s.requestTimeout ?? 0) > NODE_REQUEST_TIMEOUT) {
      problems.push(`headersTimeout ${s.headersTimeout} ms / requestTimeout ${s.requestTimeout} ms are above node's defaults (60 s / 300 s)`);
      if (severity !== 'error') severity = 'warning';
    }
    if (problems.length === 0 && (s.headersTimeout ?? 0) > HARDENED_HEADERS_TIMEOUT)
      problems.push(`headersTimeout is ${s.headersTimeout} ms (node's default): a slow client holds a socket for up to a minute per connection`);
    if (problems.length > 0) out.push(finding('RAMPART-W035', `${name}: ${problems.join('; ')}.`, severity, hint));
  });
  return out;
}

const PROXY_OFF = 'trustProxy is off';

/** W036: the app's SecurityLog recorded forwarding headers from an internal peer while trustProxy was off. */
export function forwardedFindings(options: RampartOptions, logged: readonly string[]): Finding[] {
  if (options.trustProxy !== undefined && options.trustProxy !== false) return [];
  if (!logged.some((d) => d.includes(PROXY_OFF))) return [];
  return [
    finding(
      'RAMPART-W036',
      'The SecurityLog recorded requests that carried X-Forwarded-For/Forwarded from a loopback or private peer while trustProxy is off: every client behind that proxy shares one address (one rate-limit bucket, one block).',
      undefined,
      "set trustProxy to the proxy's address (trustProxy: ['10.0.0.5']) or the number of proxies (trustProxy: 1).",
    ),
  ];
}

/** Every finding over one rampart() record. */
export function shieldFindings(
  options: RampartOptions,
  warnings: readonly string[],
  log: unknown,
  context: { production: boolean; routes: readonly string[]; loggedWarnings: readonly string[] },
): Finding[] {
  const dedicated = checkOptions(options, context.production);
  const out = [
    ...dedicated,
    ...configWarningFindings(
      warnings.filter((w) => !w.includes(PROXY_OFF)),
      dedicated,
    ),
  ];
  out.push(...retentionFindings(options, log));
  out.push(...csrfCookieFindings(options, context.production));
  out.push(...forwardedFindings(options, context.loggedWarnings));
  for (const route of unprotectedLoginRoutes(options, context.routes)) {
    out.push(
      finding(
        'RAMPART-W033',
        `The login-like route ${route} has no rate-limit rule: passwords and tokens can be guessed at the global rate.`,
        undefined,
        `add rateLimit: { rules: [{ match: { method: 'POST', path: '${route}' }, maxRequests: 5, window: 60 }] } (and loginGuard() for per-account lockout).`,
      ),
    );
  }
  return out;
}
