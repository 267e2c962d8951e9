/**
 * `gradeUrl()`: fetch a live URL the way the MDN HTTP Observatory does and grade it on the
 * Observatory's scale (its ten tests, result names, modifiers and grade chart). Used by
 * `rampart scan <url>`.
 * @module
 */
import { RampartError } from '../errors.ts';
import { gradeCookies, type StoredCookie, storeCookies } from './cookies.ts';
import { gradeCsp } from './csp.ts';
import { type AllowedClasses, classesOf, type Resolver, systemResolver } from './address.ts';
import { type ClientOptions, MAX_BODY, preflight, type RefusedRedirect, redactUrl, type Visit, visit } from './fetch.ts';
import {
  gradeContentTypeOptions,
  gradeCors,
  gradeFrameOptions,
  gradeHsts,
  gradeReferrerPolicy,
  gradeResourcePolicy,
  headerValues,
  PROBE_ORIGIN,
  type Verdict,
} from './headers.ts';
import { readPage } from './html.ts';
import { gradeRedirection } from './redirection.ts';
import { ALGORITHM_VERSION, finalScore, type Grade, gradeForScore, modifierOf, TEST_NAMES, type TestName } from './scoring.ts';
import { gradeSri } from './sri.ts';

/** Options of {@link gradeUrl}. */
export interface GradeOptions {
  /** Port of the plain-HTTP counterpart when the URL is https: (default 80). */
  readonly httpPort?: number;
  /** Port of the https counterpart when the URL is http: (default 443). */
  readonly httpsPort?: number;
  /** Extra trusted CA certificates (PEM text), e.g. a throwaway CA; NODE_EXTRA_CA_CERTS also works. */
  readonly ca?: string;
  /** Time limit per request in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /**
   * Follow redirects into loopback, private, link-local and other non-public address classes
   * even when the scanned host does not resolve into that class (default false).
   */
  readonly allowPrivate?: boolean;
  /** Host name resolver, every address of a name (default: the system resolver). */
  readonly resolve?: Resolver;
}

/** One graded test. */
export interface TestResult {
  readonly name: TestName;
  /** The Observatory's result name, e.g. `csp-implemented-with-no-unsafe`. */
  readonly result: string;
  readonly pass: boolean;
  readonly scoreModifier: number;
}

/** A graded URL. */
export interface GradeReport {
  /** The Observatory algorithm version the scale follows. */
  readonly algorithmVersion: number;
  /** The URLs fetched: the https and the plain-HTTP entry points. */
  readonly urls: { readonly https: string; readonly http: string };
  /** The final URL graded (after redirects) and its status. */
  readonly finalUrl: string;
  readonly statusCode: number;
  readonly score: number;
  readonly grade: Grade;
  readonly testsPassed: number;
  readonly testsFailed: number;
  readonly tests: readonly TestResult[];
  /** Redirects not followed (credentials in the Location, another address class, not http(s)). */
  readonly refusedRedirects: readonly RefusedRedirect[];
  /**
   * What the grade could not see, one sentence each: a page larger than the read bound
   * ({@link MAX_BODY}, 4 MiB) or cut by a failed connection, graded fail-closed.
   */
  readonly warnings: readonly string[];
}

/**
 * The subresource-integrity verdict for a page only partly read: the unread part may load an
 * external script over http without integrity, so the worst result stands in for it (a page
 * that is too large never earns "no scripts" or "all loaded securely").
 */
const UNSEEN_SCRIPTS: Verdict = { result: 'sri-not-implemented-and-external-scripts-not-loaded-securely', pass: false };

/** The https and http entry points for `url` (the other scheme on the default or given port). */
export function entryPoints(url: URL, options: GradeOptions = {}): { https: URL; http: URL } {
  const other = new URL(url.href);
  if (url.protocol === 'https:') {
    other.protocol = 'http:';
    other.port = options.httpPort === undefined || options.httpPort === 80 ? '' : String(options.httpPort);
    return { https: url, http: other };
  }
  other.protocol = 'https:';
  other.port = options.httpsPort === undefined || options.httpsPort === 443 ? '' : String(options.httpsPort);
  return { https: other, http: url };
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/**
 * Fetch `url` (an http: or https: URL) and grade it. Both schemes are fetched; the https
 * answer is graded when https connects (even with an invalid certificate), the plain-HTTP one
 * otherwise; the redirection test grades the plain-HTTP chain.
 * @throws RampartError `ERR_RAMPART_SCAN_UNREACHABLE` when neither answers, or the graded
 * answer's status is below 200, or 400 and above other than 401/403.
 */
export async function gradeUrl(url: URL, options: GradeOptions = {}): Promise<GradeReport> {
  if (url.username !== '' || url.password !== '')
    throw new RampartError('ERR_RAMPART_CONFIG', 'gradeUrl: leave credentials out of the URL; the scan never sends them.');
  const resolve = options.resolve ?? systemResolver;
  const client: ClientOptions = { ca: options.ca, timeoutMs: options.timeoutMs ?? 10_000, allowed: await allowedClasses(url, options, resolve), resolve };
  const entries = entryPoints(url, options);
  const refusals: string[] = [];
  const [overHttp, overHttps] = await Promise.all([visit(entries.http, client, refusals), visit(entries.https, client, refusals)]);
  const graded: Visit | null = overHttps ?? overHttp;
  const start = overHttps !== null ? entries.https : entries.http;
  const final = graded?.hops[graded.hops.length - 1];
  if (graded === null || final === undefined) {
    const why = refusals[0] === undefined ? 'site down, or not HTTP' : `not connected: ${refusals[0]}`;
    throw new RampartError('ERR_RAMPART_SCAN_UNREACHABLE', `${redactUrl(entries.https)} and ${redactUrl(entries.http)} did not answer (${why}).`);
  }
  const answered = final.status;
  if (answered < 200 || (answered >= 400 && answered !== 401 && answered !== 403))
    throw new RampartError(
      'ERR_RAMPART_SCAN_UNREACHABLE',
      `${final.url.href} answered ${answered}; the Observatory grades only 2xx, 3xx, 401 and 403 answers.`,
    );

  const headers = final.headers;
  const contentType = (headerValues(headers, 'content-type')[0] ?? '').split(';')[0] ?? '';
  const page = HTML_TYPES.has(contentType) ? readPage(graded.body) : null;
  const withMeta = page !== null && graded.body !== '';
  const warnings: string[] = [];
  const partial = page !== null && graded.truncated;
  if (partial)
    warnings.push(
      `${redactUrl(final.url)}: only the first ${graded.body.length} characters of the page were read (the read bound is ${MAX_BODY} bytes, or the connection ended early); subresource-integrity is graded as if the unread part loaded an external script over http without integrity.`,
    );

  const csp = gradeCsp({
    headers: headerValues(headers, 'content-security-policy'),
    meta: withMeta ? page.metaCsp : [],
    reportOnly: headerValues(headers, 'content-security-policy-report-only').some((v) => v !== ''),
    https: start.protocol === 'https:',
  });
  const hsts = gradeHsts(overHttps?.hops[overHttps.hops.length - 1]?.headers ?? null, overHttps?.verified ?? false);
  const jar = new Map<string, StoredCookie>();
  for (const hop of graded.hops) storeCookies(jar, headerValues(hop.headers, 'set-cookie'), hop.url);
  const cors = await preflight(final.url, PROBE_ORIGIN, graded.verified, client);

  const verdicts: Record<TestName, Verdict> = {
    'content-security-policy': csp,
    cookies: gradeCookies([...jar.values()], headerValues(headers, 'set-cookie'), hsts.pass),
    'cross-origin-resource-sharing': gradeCors(cors?.headers ?? null),
    redirection: gradeRedirection(overHttp?.hops ?? null, overHttp?.verified ?? true, overHttp?.refused !== undefined),
    'referrer-policy': gradeReferrerPolicy(headers, withMeta ? page.metaReferrer : undefined),
    'strict-transport-security': hsts,
    'subresource-integrity': partial ? UNSEEN_SCRIPTS : gradeSri(page === null ? null : page.scripts, url.hostname, start.protocol === 'https:'),
    'x-content-type-options': gradeContentTypeOptions(headers),
    'x-frame-options': gradeFrameOptions(headers, csp.policy?.['frame-ancestors'] !== undefined),
    'cross-origin-resource-policy': gradeResourcePolicy(headers),
  };
  const tests = TEST_NAMES.map((name): TestResult => {
    const v = verdicts[name];
    return { name, result: v.result, pass: v.pass, scoreModifier: modifierOf(v.result) };
  });
  const score = finalScore(tests.map((t) => t.result));
  const passed = tests.filter((t) => t.pass).length;
  return {
    algorithmVersion: ALGORITHM_VERSION,
    urls: { https: entries.https.href, http: entries.http.href },
    finalUrl: final.url.href,
    statusCode: final.status,
    score,
    grade: gradeForScore(score),
    testsPassed: passed,
    testsFailed: tests.length - passed,
    tests,
    refusedRedirects: distinct([overHttp?.refused, overHttps?.refused]),
    warnings,
  };
}

/**
 * The address classes this scan may connect to: public, plus every class the target's own
 * host resolves into now (a loopback or intranet site keeps its own redirects), or all of
 * them with `allowPrivate`. An unresolvable host gets public only (its visit fails anyway).
 */
async function allowedClasses(url: URL, options: GradeOptions, resolve: Resolver): Promise<AllowedClasses> {
  if (options.allowPrivate === true) return 'all';
  try {
    return await classesOf(url.hostname, resolve);
  } catch {
    return new Set();
  }
}

/** The refused redirects, each once (the http chain often runs into the https one's). */
function distinct(list: readonly (RefusedRedirect | undefined)[]): RefusedRedirect[] {
  const seen = new Map<string, RefusedRedirect>();
  for (const r of list) if (r !== undefined) seen.set(`${r.from} ${r.location}`, r);
  return [...seen.values()];
}
