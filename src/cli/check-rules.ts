/**
 * The deploy checks of `rampart check` over a `rampart()` options object, in the spirit of
 * Django's `check --deploy` (security.W001…). Each rule has a stable id; the catalogue
 * with explanations is CHECKS (the README's CLI section is written from the same text).
 */
import { compileHeaders } from '../headers/index.ts';
import { inlineScriptExposure, openFrameAncestors } from '../csp/judge.ts';
import { catchAllProxyEntries } from '../client-ip/catch-all.ts';
import { configWarningTopic } from '../core/events.ts';
import { isPublicSuffix } from '../core/public-suffix.ts';
import { broadOriginRegExp } from './check-origin-regexp.ts';
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
      "CSP lets inline script run: 'unsafe-inline' where <script> elements (script-src-elem, else script-src, else default-src) or on* handlers (script-src-attr, else script-src, else default-src) are governed, or no script-src/default-src at all. Use nonce: true. A warning when CSP3 browsers ignore it (a nonce, hash or 'strict-dynamic' beside it) and for 'unsafe-hashes'.",
  },
  { id: 'RAMPART-W007', severity: 'error', title: "CSP script-src (or default-src) allows 'unsafe-eval': eval() and new Function() sinks are open." },
  { id: 'RAMPART-W008', severity: 'warning', title: 'CSP is report-only: violations are reported, not blocked.' },
  {
    id: 'RAMPART-W009',
    severity: 'warning',
    title:
      'Clickjacking: headers.frameOptions is false and the enforced CSP has no frame-ancestors, or frame-ancestors lets any site frame the pages (*, https:, https://*, *.com), which browsers obey over X-Frame-Options.',
  },
  {
    id: 'RAMPART-W010',
    severity: 'warning',
    title: "cors.origins is '*': every website can read responses (acceptable only for public, credential-less APIs).",
  },
  {
    id: 'RAMPART-W011',
    severity: 'error',
    title:
      "cors.allowCredentials with a RegExp that accepts origins you do not own (not anchored ^…$, an unescaped '.', a host that ends in .* / .+ / [^/]* or whose fixed suffix is a public suffix such as \\.com) lets them read authenticated responses; a warning for a predicate function, which cannot be inspected.",
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
      'A secret in the environment (a variable whose name contains SECRET, TOKEN, PASSWORD, PASSWD, PASSPHRASE, PEPPER, APIKEY, SIGNINGKEY, PRIVATEKEY …, joined or not, or ends in _KEY, _PASS, _PWD, _PW; not a setting or pointer such as *_DAYS, *_TTL, MAX_*, *_ID, *_FILE, *_URL, *_ARN, *_HOST …, nor an ARN value) is weak: short, a placeholder or low entropy (checkSecret). The value is never printed.',
  },
  { id: 'RAMPART-W026', severity: 'error', title: 'NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate verification for every outgoing connection.' },
  { id: 'RAMPART-W027', severity: 'info', title: 'log: false — security events are not recorded.' },
  {
    id: 'RAMPART-W030',
    severity: 'warning',
    title:
      'A CONFIG_WARNING announced by rampart while it was constructed whose cause no rule above reported (a warning that a rule reports belongs to that rule, and --ignore of the rule silences it).',
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

/** An allowedHosts entry `.suffix` whose suffix is public (`.com`, `.co.uk.`, `.github.io`). */
function isPublicSuffixWildcard(entry: unknown): entry is string {
  if (typeof entry !== 'string') return false;
  const text = entry.trim().toLowerCase();
  return text.startsWith('.') && isPublicSuffix(text.slice(1).replace(/\.$/, ''));
}

const USE_NONCE = "remove 'unsafe-inline' and use headers: { csp: { nonce: true } } with cspNonce(req) (script-src-attr: move handlers to addEventListener).";

/** W006: inline script the enforced or report-only policy lets run (CSP3 rules, see inlineScriptExposure). */
function inlineScriptFindings(directives: ReadonlyMap<string, readonly string[]>): Finding[] {
  const { open, ignored, hashedHandlers } = inlineScriptExposure(directives);
  const out: Finding[] = [];
  if (open.length > 0) {
    const what = open.map((o) =>
      o.directive === undefined
        ? `${o.runs === 'elements' ? '<script> elements' : 'on* handlers'} (the policy has neither script-src nor default-src)`
        : `${o.runs === 'elements' ? 'injected <script> elements' : 'injected on* handlers and javascript: URLs'} ('unsafe-inline' in ${o.directive})`,
    );
    out.push(finding('RAMPART-W006', `CSP lets inline script run: ${what.join('; ')}.`, undefined, USE_NONCE));
  } else if (ignored.length > 0)
    out.push(
      finding(
        'RAMPART-W006',
        `CSP ${ignored.join(', ')} has 'unsafe-inline' that CSP3 browsers ignore (a nonce, hash or 'strict-dynamic' beside it, or a script-src-elem/-attr that takes precedence); older browsers may honour it.`,
        'warning',
        USE_NONCE,
      ),
    );
  if (hashedHandlers)
    out.push(
      finding(
        'RAMPART-W006',
        "CSP allows 'unsafe-hashes': the hashed event-handler code runs from any attribute an attacker injects.",
        'warning',
        "move the handlers to addEventListener in a nonce'd or external script and drop 'unsafe-hashes'.",
      ),
    );
  return out;
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
      out.push(...inlineScriptFindings(csp.directives));
      const scripts = csp.directives.get('script-src') ?? csp.directives.get('default-src') ?? [];
      if (scripts.includes("'unsafe-eval'"))
        out.push(finding('RAMPART-W007', undefined, undefined, "remove 'unsafe-eval'; replace eval()/new Function() with code."));
      if (csp.headerName.endsWith('Report-Only')) out.push(finding('RAMPART-W008', undefined, undefined, 'set reportOnly: false once the reports are clean.'));
    }
    const framed = compiled.pairs.some(([name]) => name === 'X-Frame-Options');
    const ancestors = csp !== undefined && !csp.headerName.endsWith('Report-Only') && csp.directives.has('frame-ancestors');
    const framers = ancestors ? openFrameAncestors(csp.directives) : [];
    if (framers.length > 0)
      out.push(
        finding(
          'RAMPART-W009',
          `CSP frame-ancestors ${framers.join(' ')} lets any site frame the pages (clickjacking)${framed ? '; browsers ignore X-Frame-Options when frame-ancestors is present' : ''}.`,
          undefined,
          "use frame-ancestors 'none' or 'self', or list the origins that may embed the pages.",
        ),
      );
    else if (!framed && !ancestors)
      out.push(finding('RAMPART-W009', undefined, undefined, "keep frameOptions: 'DENY' or add frame-ancestors 'self' to the CSP."));
  }

  // ── CORS
  if (isObject(options.cors)) {
    const origins = options.cors.origins;
    if (origins === '*') out.push(finding('RAMPART-W010', undefined, undefined, "list the origins, e.g. origins: ['https://app.example.com']."));
    if (options.cors.allowCredentials === true) {
      // A RegExp alone or among the listed origins.
      const patterns = (Array.isArray(origins) ? (origins as unknown[]) : [origins]).filter((o): o is RegExp => o instanceof RegExp);
      for (const pattern of patterns) {
        const broad = broadOriginRegExp(pattern);
        if (broad === undefined) continue;
        out.push(
          finding(
            'RAMPART-W011',
            `cors.origins ${String(pattern)} with allowCredentials: true accepts origins you do not own: ${broad}.`,
            undefined,
            String.raw`anchor it (^…$), escape the dots and end the host in your own domain, e.g. /^https:\/\/([a-z0-9-]+\.)?example\.com$/, or list the origins.`,
          ),
        );
      }
      if (typeof origins === 'function') {
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
  // The log's own options (retention, batchSize, …) are judged by constructing a SecurityLog: see check-construct.ts.
  return out;
}

// The rule that reports the cause of each CONFIG_WARNING topic (see warnConfig's `topic`).
const RULE_FOR_TOPIC: Readonly<Record<string, string>> = {
  'headers.off': 'RAMPART-W001',
  'hsts.max-age-zero': 'RAMPART-W003',
  'csp.off': 'RAMPART-W005',
  'csp.script-inline': 'RAMPART-W006',
  'csp.script-unrestricted': 'RAMPART-W006',
  'csp.script-hashes': 'RAMPART-W006',
  'csp.script-eval': 'RAMPART-W007',
  'csp.report-only': 'RAMPART-W008',
  'frame.unprotected': 'RAMPART-W009',
  'csp.frame-ancestors-open': 'RAMPART-W009',
  'cors.any-origin': 'RAMPART-W010',
  'hosts.any': 'RAMPART-W013',
  'proxy.trust-all': 'RAMPART-W015',
  'csrf.no-secret': 'RAMPART-W016',
  'csrf.off': 'RAMPART-W017',
  'csrf.exempt': 'RAMPART-W018',
  'rateLimit.off': 'RAMPART-W019',
  'rateLimit.fail-open': 'RAMPART-W020',
  'bodyLimit.off': 'RAMPART-W021',
};

/**
 * One W030 finding per CONFIG_WARNING whose cause no dedicated rule reported. `dedicated`
 * are the findings of the other rules, before --ignore: a warning whose topic maps to a rule
 * among them is that rule's (so ignoring the rule silences the cause once); a warning the
 * dedicated rule did not catch stays a W030, so nothing relaxed goes unreported.
 */
export function configWarningFindings(warnings: readonly string[], dedicated: readonly Finding[]): Finding[] {
  const reported = new Set(dedicated.map((f) => f.id));
  return warnings
    .filter((w) => {
      const topic = configWarningTopic(w);
      const rule = topic === undefined ? undefined : RULE_FOR_TOPIC[topic];
      return rule === undefined || !reported.has(rule);
    })
    .map((w) => finding('RAMPART-W030', w));
}
