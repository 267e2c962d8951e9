/**
 * The deploy checks of `rampart check` over a `rampart()` options object, in the spirit of
 * Django's `check --deploy` (security.W001…). Each rule has a stable id; the catalogue
 * with explanations is CHECKS (the README's CLI section is written from the same text).
 */
import { compileHeaders } from '../headers/index.ts';
import { catchAllProxyEntries } from '../client-ip/catch-all.ts';
import { isPublicSuffix } from '../core/public-suffix.ts';
import type { RampartOptions } from '../preset.ts';
import type { Finding, RuleInfo, Severity } from './findings.ts';

/** One check: its id, default severity and what it means. */
export type CheckInfo = RuleInfo;

/** The catalogue of `rampart check` ids (severity is the default; some rules escalate or relax). */
export const CHECKS: readonly CheckInfo[] = [
  { id: 'RAMPART-E001', severity: 'error', title: 'rampart(options) throws: the configuration is invalid (the RampartError code and message are shown).' },
  {
    id: 'RAMPART-E002',
    severity: 'error',
    title: 'The config module could not be loaded, or its default export is not an options object (or a function returning one).',
  },
  { id: 'RAMPART-W001', severity: 'error', title: 'headers: false — no security headers at all (no CSP, nosniff, frame protection, HSTS).' },
  { id: 'RAMPART-W002', severity: 'warning', title: 'HSTS is off (headers.hsts): browsers can be downgraded to plain HTTP on first contact. Production only.' },
  { id: 'RAMPART-W003', severity: 'warning', title: 'HSTS max-age below one year (31536000 s); an error when 0 (browsers forget HSTS).' },
  { id: 'RAMPART-W004', severity: 'warning', title: 'HSTS without includeSubDomains: a sibling subdomain served over HTTP can set cookies for this host.' },
  { id: 'RAMPART-W005', severity: 'error', title: 'No Content-Security-Policy (headers.csp: false): injected scripts run unrestricted.' },
  {
    id: 'RAMPART-W006',
    severity: 'error',
    title:
      "CSP script-src (or default-src) allows 'unsafe-inline': injected <script> and on* handlers run. Use nonce: true. A warning when a nonce or 'strict-dynamic' makes CSP3 browsers ignore it.",
  },
  { id: 'RAMPART-W007', severity: 'error', title: "CSP script-src (or default-src) allows 'unsafe-eval': eval() and new Function() sinks are open." },
  { id: 'RAMPART-W008', severity: 'warning', title: 'CSP is report-only: violations are reported, not blocked.' },
  { id: 'RAMPART-W009', severity: 'warning', title: 'headers.frameOptions is false and the enforced CSP has no frame-ancestors: clickjacking.' },
  {
    id: 'RAMPART-W010',
    severity: 'warning',
    title: "cors.origins is '*': every website can read responses (acceptable only for public, credential-less APIs).",
  },
  {
    id: 'RAMPART-W011',
    severity: 'error',
    title:
      'cors.allowCredentials with a broad RegExp (unanchored, or .* / .+ wildcards) lets look-alike origins read authenticated responses; a warning for a predicate function, which cannot be inspected.',
  },
  {
    id: 'RAMPART-W012',
    severity: 'warning',
    title: 'No allowedHosts: any Host header is accepted (host header poisoning of absolute URLs, password-reset links, caches). Production only.',
  },
  {
    id: 'RAMPART-W013',
    severity: 'error',
    title:
      "allowedHosts contains '*' or a wildcard over a public suffix ('.com', '.co.uk', '.github.io'): the host guard accepts every Host header, or every site registered there.",
  },
  {
    id: 'RAMPART-W014',
    severity: 'warning',
    title: 'httpsRedirect is off: plain-HTTP requests are served instead of redirected to https://. Production only (skip it when a proxy redirects).',
  },
  {
    id: 'RAMPART-W015',
    severity: 'error',
    title:
      "trustProxy: true, or a list with a catch-all block ('0.0.0.0/0', '::/0'), trusts X-Forwarded-For from any peer: clients choose their own address (rate limits, logs, allowlists). List the proxies.",
  },
  {
    id: 'RAMPART-W016',
    severity: 'info',
    title: 'CSRF without a secret: origin-only mode (Sec-Fetch-Site / Origin). Sound for current browsers; set csrf.secret to add signed double-submit tokens.',
  },
  { id: 'RAMPART-W017', severity: 'warning', title: 'csrf: false — no CSRF protection (fine only for APIs that never use cookies or HTTP auth).' },
  { id: 'RAMPART-W018', severity: 'warning', title: 'csrf.exemptPaths skip CSRF checks; make sure each is authenticated otherwise (e.g. signed webhooks).' },
  { id: 'RAMPART-W019', severity: 'warning', title: 'rateLimit: false — no rate limit (brute force and scraping are unbounded).' },
  { id: 'RAMPART-W020', severity: 'warning', title: 'rateLimit.failOpen: true — every request passes while the rate-limit store is down.' },
  { id: 'RAMPART-W021', severity: 'warning', title: 'bodyLimit is off or above 10 MiB: large bodies can exhaust memory.' },
  {
    id: 'RAMPART-W022',
    severity: 'warning',
    title: 'NODE_ENV is not "production" in the checked environment (frameworks keep debug behaviour and verbose errors).',
  },
  { id: 'RAMPART-W023', severity: 'warning', title: 'DEBUG is set to a wildcard (DEBUG=* …): debug logs may include headers, cookies and bodies.' },
  { id: 'RAMPART-W024', severity: 'error', title: 'NODE_OPTIONS enables the inspector (--inspect…): anyone who reaches the port can run code in the process.' },
  {
    id: 'RAMPART-W025',
    severity: 'error',
    title:
      'A secret in the environment (a variable named *SECRET*, *KEY*, *TOKEN*, *PASSWORD*, *PEPPER*) is weak: short, a placeholder or low entropy (checkSecret). The value is never printed.',
  },
  { id: 'RAMPART-W026', severity: 'error', title: 'NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate verification for every outgoing connection.' },
  { id: 'RAMPART-W027', severity: 'info', title: 'log: false — security events are not recorded.' },
  {
    id: 'RAMPART-W030',
    severity: 'warning',
    title: 'A CONFIG_WARNING announced by rampart while it was constructed (a relaxed default not covered by a rule above).',
  },
  {
    id: 'RAMPART-E003',
    severity: 'error',
    title: '--app: the app module could not be imported (it threw, or did not finish loading in time); nothing it configures was checked.',
  },
  {
    id: 'RAMPART-W031',
    severity: 'warning',
    title: '--app: the app built no rampart() shield while it was imported, or built one that it never mounted on an adapter.',
  },
  {
    id: 'RAMPART-W032',
    severity: 'error',
    title:
      "--app: npm audit reports high or critical advisories in the app's lockfile (production dependencies). Info when npm audit cannot reach the registry or there is no lockfile.",
  },
  {
    id: 'RAMPART-W033',
    severity: 'warning',
    title:
      '--app: a login-like route (/login, /signin, /auth, /token, /password, /session) without a rateLimit.rules entry: credentials can be guessed at the global rate.',
  },
  { id: 'RAMPART-W034', severity: 'warning', title: 'The SecurityLog has no retention: events (IP addresses, user ids) are kept forever.' },
  {
    id: 'RAMPART-W035',
    severity: 'warning',
    title:
      '--app: a node server whose headersTimeout/requestTimeout/keepAliveTimeout let slow clients hold sockets (slowloris): an error when disabled (0), a warning above node’s defaults, info at the defaults (use hardenServer()).',
  },
  {
    id: 'RAMPART-W036',
    severity: 'warning',
    title:
      "--app: the SecurityLog recorded requests with forwarding headers from an internal peer while trustProxy is off (a proxy rampart wasn't told about).",
  },
  {
    id: 'RAMPART-W037',
    severity: 'warning',
    title:
      'A cookie without Secure (an error in production), HttpOnly or with SameSite=None: in sessions() or serializeCookie() options, or a CSRF cookie without hostPrefix in production.',
  },
];

const INFO = new Map(CHECKS.map((c) => [c.id, c]));
const ONE_YEAR = 31_536_000;
const HUGE_BODY = 10 * 1_048_576;

/** Build a finding from the catalogue, optionally overriding severity and message. */
export function finding(id: string, message?: string, severity?: Severity, hint?: string): Finding {
  const info = INFO.get(id);
  if (info === undefined) throw new Error(`unknown check id ${id}`);
  return { id, severity: severity ?? info.severity, message: message ?? info.title, ...(hint !== undefined ? { hint } : {}) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A RegExp that matches more than a fixed list of origins. */
function isBroadRegExp(re: RegExp): boolean {
  const src = re.source;
  // An unescaped dot matches any character (`^https://app.example.com$` also accepts `appXexample.com`).
  const unescaped = src.replace(/\\[\s\S]/g, '');
  return !src.startsWith('^') || !src.endsWith('$') || unescaped.includes('.');
}

/** An allowedHosts entry `.suffix` whose suffix is public (`.com`, `.co.uk.`, `.github.io`). */
function isPublicSuffixWildcard(entry: unknown): entry is string {
  if (typeof entry !== 'string') return false;
  const text = entry.trim().toLowerCase();
  return text.startsWith('.') && isPublicSuffix(text.slice(1).replace(/\.$/, ''));
}

/**
 * Run the option rules over `options` (already accepted by `rampart()`). `production`
 * enables the rules that only matter in a deployment (HSTS, allowedHosts, httpsRedirect).
 */
export function checkOptions(options: RampartOptions, production: boolean): Finding[] {
  const out: Finding[] = [];
  const deploy = (id: string, message?: string, hint?: string): void => {
    out.push(finding(id, message, production ? undefined : 'info', hint));
  };

  // ── headers, HSTS, CSP, framing
  if (options.headers === false)
    out.push(finding('RAMPART-W001', undefined, undefined, 'remove headers: false (the defaults are safe) or configure the headers you need.'));
  else {
    const headerOptions = isObject(options.headers) ? options.headers : {};
    const compiled = compileHeaders(headerOptions);
    const hsts = compiled.pairs.find(([name]) => name === 'Strict-Transport-Security')?.[1];
    if (hsts === undefined)
      deploy(
        'RAMPART-W002',
        'HSTS is off: browsers may reach the site over plain HTTP first and be downgraded.',
        'set headers: { hsts: { maxAge: 31536000, includeSubDomains: true } } once the whole site is served over HTTPS.',
      );
    else {
      const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? '0');
      if (maxAge === 0)
        out.push(finding('RAMPART-W003', 'HSTS max-age is 0: browsers forget HSTS for this host.', 'error', 'use maxAge: 31536000 (one year).'));
      else if (maxAge < ONE_YEAR)
        out.push(
          finding('RAMPART-W003', `HSTS max-age is ${maxAge} s, below one year (31536000 s).`, undefined, 'use maxAge: 31536000 once HTTPS is settled.'),
        );
      if (!/includeSubDomains/i.test(hsts))
        out.push(
          finding('RAMPART-W004', 'HSTS is sent without includeSubDomains.', undefined, 'add includeSubDomains: true if every subdomain is served over HTTPS.'),
        );
    }
    const csp = compiled.csp;
    if (csp === undefined)
      out.push(
        finding(
          'RAMPART-W005',
          undefined,
          undefined,
          "remove csp: false; the default policy is strict, and csp: { nonce: true } allows nonce'd inline scripts.",
        ),
      );
    else {
      const scripts = csp.directives.get('script-src') ?? csp.directives.get('default-src') ?? [];
      const hasNonce = headerOptions.csp !== undefined && isObject(headerOptions.csp) && headerOptions.csp.nonce === true;
      const neutralised = hasNonce || scripts.some((s) => s.startsWith("'nonce-") || s.startsWith("'sha") || s === "'strict-dynamic'");
      if (scripts.includes("'unsafe-inline'")) {
        out.push(
          finding(
            'RAMPART-W006',
            neutralised
              ? "CSP script-src has 'unsafe-inline' next to a nonce/hash/'strict-dynamic' (ignored by CSP3 browsers, effective in old ones)."
              : "CSP script-src allows 'unsafe-inline': injected <script> and on* handlers run.",
            neutralised ? 'warning' : undefined,
            "remove 'unsafe-inline' and use headers: { csp: { nonce: true } } with cspNonce(req).",
          ),
        );
      }
      if (scripts.includes("'unsafe-eval'"))
        out.push(finding('RAMPART-W007', undefined, undefined, "remove 'unsafe-eval'; replace eval()/new Function() with code."));
      if (csp.headerName.endsWith('Report-Only')) out.push(finding('RAMPART-W008', undefined, undefined, 'set reportOnly: false once the reports are clean.'));
    }
    const framed = compiled.pairs.some(([name]) => name === 'X-Frame-Options');
    const ancestors = csp !== undefined && !csp.headerName.endsWith('Report-Only') && csp.directives.has('frame-ancestors');
    if (!framed && !ancestors) out.push(finding('RAMPART-W009', undefined, undefined, "keep frameOptions: 'DENY' or add frame-ancestors 'self' to the CSP."));
  }

  // ── CORS
  if (isObject(options.cors)) {
    const origins = options.cors.origins;
    if (origins === '*') out.push(finding('RAMPART-W010', undefined, undefined, "list the origins, e.g. origins: ['https://app.example.com']."));
    if (options.cors.allowCredentials === true) {
      if (origins instanceof RegExp && isBroadRegExp(origins)) {
        out.push(
          finding(
            'RAMPART-W011',
            `cors.origins is the broad RegExp /${origins.source}/ with allowCredentials: true.`,
            undefined,
            'anchor it (^…$), escape dots and avoid .* / .+, or list the origins.',
          ),
        );
      } else if (typeof origins === 'function') {
        out.push(
          finding('RAMPART-W011', 'cors.origins is a predicate function with allowCredentials: true; make sure it accepts exact origins only.', 'warning'),
        );
      }
    }
  }

  // ── hosts, HTTPS, proxies
  const hosts = options.allowedHosts;
  if (hosts === undefined || hosts.length === 0) deploy('RAMPART-W012', undefined, "set allowedHosts: ['example.com', '.example.org'].");
  else if (hosts.some((h) => typeof h === 'string' && h.trim() === '*'))
    out.push(finding('RAMPART-W013', undefined, undefined, 'list the host names instead of *.'));
  else {
    const suffixes = hosts.filter(isPublicSuffixWildcard);
    if (suffixes.length > 0)
      out.push(
        finding(
          'RAMPART-W013',
          `allowedHosts ${suffixes.map((h) => JSON.stringify(h)).join(', ')} is a wildcard over a public suffix: every site anyone registers there passes the host guard (rampart() refuses it).`,
          undefined,
          "list your own domain instead, e.g. '.example.co.uk'.",
        ),
      );
  }
  if (options.httpsRedirect === undefined || options.httpsRedirect === false)
    deploy('RAMPART-W014', undefined, 'set httpsRedirect: true (with allowedHosts), unless the proxy or load balancer already redirects.');
  const catchAll = Array.isArray(options.trustProxy) ? catchAllProxyEntries(options.trustProxy) : [];
  if (options.trustProxy === true || catchAll.length > 0)
    out.push(
      finding(
        'RAMPART-W015',
        catchAll.length > 0
          ? `trustProxy lists ${catchAll.map((e) => JSON.stringify(e)).join(', ')}, which covers (nearly) every address: as with trustProxy: true, any client sets its own address through X-Forwarded-For.`
          : undefined,
        undefined,
        "set trustProxy to the proxy addresses (['10.0.0.0/8']) or a hop count.",
      ),
    );

  // ── CSRF
  if (options.csrf === false)
    out.push(finding('RAMPART-W017', undefined, undefined, 'remove csrf: false unless no request is authenticated by cookies or HTTP auth.'));
  else {
    const csrf = isObject(options.csrf) ? options.csrf : {};
    if (csrf.secret === undefined && (csrf.mode === undefined || csrf.mode === 'origin'))
      out.push(finding('RAMPART-W016', undefined, undefined, 'csrf: { secret: process.env.CSRF_SECRET } (generate one with `rampart keys csrf`).'));
    const exempt = Array.isArray(csrf.exemptPaths) ? csrf.exemptPaths.filter((p): p is string => typeof p === 'string') : [];
    if (exempt.length > 0)
      out.push(
        finding(
          'RAMPART-W018',
          `csrf.exemptPaths skip CSRF checks: ${exempt.join(', ')}.`,
          undefined,
          'authenticate these paths another way (signed webhooks, API keys).',
        ),
      );
  }

  // ── rate limit, body size, log
  if (options.rateLimit === false) out.push(finding('RAMPART-W019', undefined, undefined, 'remove rateLimit: false, or limit at the proxy.'));
  else if (isObject(options.rateLimit) && options.rateLimit.failOpen === true)
    out.push(
      finding(
        'RAMPART-W020',
        undefined,
        undefined,
        'prefer the insurance store (default) or failClosed; failOpen only for endpoints where availability beats abuse protection.',
      ),
    );
  if (options.bodyLimit === false)
    out.push(
      finding(
        'RAMPART-W021',
        'bodyLimit is false: request bodies are unbounded.',
        undefined,
        'set bodyLimit to the largest body the app needs (default 1 MiB).',
      ),
    );
  else if (typeof options.bodyLimit === 'number' && options.bodyLimit > HUGE_BODY)
    out.push(
      finding(
        'RAMPART-W021',
        `bodyLimit is ${options.bodyLimit} bytes (above 10 MiB).`,
        undefined,
        'keep the global limit small and raise it only on upload routes.',
      ),
    );
  if (options.log === false) out.push(finding('RAMPART-W027', undefined, undefined, 'remove log: false or pass a SecurityLog.'));
  return out;
}

// Substrings of CONFIG_WARNING messages that a rule above already reports.
const COVERED = [
  "'unsafe-inline' in script-src",
  "'unsafe-eval' in script-src",
  'headers.csp is false',
  'reportOnly is true',
  'frameOptions is false',
  "cors.origins: '*'",
  "contains '*'",
  'trustProxy: true',
  'exemptPaths',
  'failOpen: true',
  'hsts.maxAge is 0',
];

/** One W030 finding per CONFIG_WARNING that no dedicated rule already reported. */
export function configWarningFindings(warnings: readonly string[]): Finding[] {
  return warnings.filter((w) => !COVERED.some((c) => w.includes(c))).map((w) => finding('RAMPART-W030', w));
}
