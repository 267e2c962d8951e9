/**
 * The Observatory's `content-security-policy` test: how it reads one or more policies (header
 * and `<meta>`) into directive → source sets, and which result the combined policy earns.
 * @module
 */

/** A parsed policy: directive name → source expressions (lower case). */
export type CspMap = Map<string, Set<string>>;

/** What {@link parsePolicies} returns: the directives and the duplicated report directives. */
export interface ParsedCsp {
  readonly directives: CspMap;
  /** report-uri / report-to given twice in one policy (allowed, but the result notes it). */
  readonly duplicateReports: boolean;
}

/** Thrown for a policy the Observatory calls unparseable (too short, a repeated directive). */
export class InvalidPolicyError extends Error {
  override readonly name = 'InvalidPolicyError';
}

/** The shortest policy text accepted: one character less than `img-src`. */
const MIN_POLICY_LENGTH = 6;
const REPEATABLE = new Set(['report-uri', 'report-to']);
/** Directives a `<meta>` policy cannot carry (HTML spec). */
const HEADER_ONLY = ['frame-ancestors', 'report-uri', 'sandbox'];

interface Source {
  readonly text: string;
  readonly policy: number;
  keep: boolean;
}

const collate = new Intl.Collator('en').compare;

/** Whether the path segments of `a` cover `b` (exact, or as a directory when `a` ends in `/`). */
function pathCovers(a: string, b: string): boolean {
  if (a === '') return true;
  if (a === '/' && b === '') return true;
  const directory = a.endsWith('/');
  const as = a.split('/');
  const bs = b.split('/');
  if (as.length > bs.length) return false;
  if (!directory && as.length !== bs.length) return false;
  if (directory) as.pop();
  return as.every((piece, k) => decodeURIComponent(piece) === decodeURIComponent(bs[k] ?? ''));
}

/**
 * Read policies the way the Observatory does. One policy: its directives, a source that
 * merely extends another (`https://a.example/x` after `https://a.example`) dropped. Several
 * policies (several headers, or header and meta): a directive keeps only sources that a later
 * policy repeats, an approximation of their intersection. A source-list directive with no
 * source means `'none'`.
 * @throws InvalidPolicyError for a policy shorter than 6 characters or a repeated directive.
 */
export function parsePolicies(policies: readonly string[]): ParsedCsp {
  const texts = policies.map((p) => p.replace(/[\r\n]/g, '').trim());
  const working = new Map<string, Source[]>();
  let duplicateReports = false;
  for (const text of texts) if (text.length < MIN_POLICY_LENGTH) throw new InvalidPolicyError(`policy too short: ${JSON.stringify(text)}`);
  texts.forEach((text, policy) => {
    const seen = new Set<string>();
    for (const entry of text.split(';')) {
      const [head, ...rest] = entry.trim().split(/\s+/);
      if (head === undefined || head === '') continue;
      const directive = head.toLowerCase();
      if (seen.has(directive)) {
        if (!REPEATABLE.has(directive)) throw new InvalidPolicyError(`directive ${directive} repeated in policy ${policy}`);
        duplicateReports = true;
      }
      seen.add(directive);
      const keep = policy === 0;
      const values: Source[] = rest.map((s) => ({ text: s.trim().toLocaleLowerCase(), policy, keep }));
      if (values.length === 0 && directive.endsWith('-src')) values.push({ text: "'none'", policy, keep });
      const combined = policy === 0 ? values : [...(working.get(directive) ?? []), ...values];
      combined.sort((x, y) => collate(x.text, y.text));
      for (let k = 1; k < combined.length; k++) {
        const current = combined[k] as Source;
        const previous = combined[k - 1] as Source;
        if (current.policy === previous.policy && current.text.startsWith(previous.text)) current.keep = false;
        if (current.policy !== previous.policy && pathCovers(previous.text, current.text)) current.keep = true;
      }
      const kept = combined.filter((s) => s.keep);
      working.set(directive, kept);
      // With more policies to come, a first-policy source must be repeated later to stay.
      if (policy === 0 && texts.length > 1) for (const s of kept) s.keep = false;
    }
  });
  const directives: CspMap = new Map();
  for (const [name, sources] of working) directives.set(name, new Set(sources.length > 0 ? sources.map((s) => s.text) : ["'none'"]));
  return { directives, duplicateReports };
}

/** {@link parsePolicies} for `<meta>` policies: header-only directives are dropped. */
export function parseMetaPolicies(policies: readonly string[]): ParsedCsp {
  const parsed = parsePolicies(policies);
  for (const directive of HEADER_ONLY) parsed.directives.delete(directive);
  return parsed;
}

const BROAD = new Set(['ftp:', 'http:', 'https:', '*', 'http://*', 'http://*.*', 'https://*', 'https://*.*']);
const BROAD_OR_INLINE = new Set([...BROAD, "'unsafe-inline'", 'data:']);
const PASSIVE = ['img-src', 'media-src'];
const NONCE_OR_HASH = ["'sha256-", "'sha384-", "'sha512-", "'nonce-"];

const hasNonceOrHash = (sources: Set<string>): boolean => [...sources].some((s) => NONCE_OR_HASH.some((p) => s.startsWith(p)));
const insecureScheme = (s: string): boolean => s.startsWith('http:') || s.startsWith('ftp:');

/** The outcome of the CSP test. */
export interface CspVerdict {
  readonly result: string;
  readonly pass: boolean;
  /** The combined policy (sorted sources), or null when none was parsed. */
  readonly policy: Record<string, string[]> | null;
}

/** What the CSP test reads from the graded response. */
export interface CspInput {
  /** Enforced `Content-Security-Policy` header values (node joins repeated headers with `, `). */
  readonly headers: readonly string[];
  readonly meta: readonly string[];
  readonly reportOnly: boolean;
  /** The scanned URL is https: (http: sources then count as insecure). */
  readonly https: boolean;
}

/** Grade a page's CSP on the Observatory's scale. */
export function gradeCsp(input: CspInput): CspVerdict {
  let combined: ParsedCsp;
  try {
    combined = parsePolicies([...input.headers, ...input.meta]);
  } catch {
    return { result: 'csp-header-invalid', pass: false, policy: null };
  }
  // The Observatory counts its duplicate-report marker as a directive here: a policy of only
  // repeated report-uri directives counts as implemented (and then grades as allowing everything).
  const size = (p: ParsedCsp): number => p.directives.size + (p.duplicateReports ? 1 : 0);
  let headerCount = 0;
  try {
    headerCount = size(parsePolicies(input.headers));
  } catch {}
  let metaCount = 0;
  try {
    metaCount = size(parseMetaPolicies(input.meta));
  } catch {}
  if (headerCount + metaCount === 0) {
    return { result: input.reportOnly ? 'csp-not-implemented-but-reporting-enabled' : 'csp-not-implemented', pass: false, policy: null };
  }
  const csp = combined.directives;
  const fallback = (name: string): Set<string> => csp.get(name) ?? csp.get('default-src') ?? new Set(['*']);
  const objectSrc = fallback('object-src');
  const scriptSrc = fallback('script-src');
  const styleSrc = fallback('style-src');
  let result: string | undefined;

  // A nonce or hash makes CSP3 browsers ignore 'unsafe-inline' (these sets are the policy's own: edits show in it).
  for (const list of [scriptSrc, styleSrc]) if (hasNonceOrHash(list)) list.delete("'unsafe-inline'");
  if (scriptSrc.has("'strict-dynamic'")) {
    if (hasNonceOrHash(scriptSrc)) {
      for (const s of [...scriptSrc]) if ([...BROAD].some((b) => s.startsWith(b)) || s === "'self'" || s === "'unsafe-inline'") scriptSrc.delete(s);
    } else {
      result = 'csp-header-invalid';
    }
  }
  const active = [...csp].filter(([name]) => !PASSIVE.includes(name) && name !== 'script-src').flatMap(([, list]) => [...list]);
  active.push(...scriptSrc);
  const passive = PASSIVE.flatMap((name) => [...(csp.get(name) ?? csp.get('default-src') ?? [])]);

  const first = (candidate: string): void => {
    result ??= candidate;
  };
  if ([...scriptSrc].some((s) => BROAD_OR_INLINE.has(s)) || [...objectSrc].some((s) => BROAD.has(s))) first('csp-implemented-with-unsafe-inline');
  if (input.https && active.some(insecureScheme)) first('csp-implemented-with-insecure-scheme');
  if (scriptSrc.has("'unsafe-eval'") || styleSrc.has("'unsafe-eval'")) first('csp-implemented-with-unsafe-eval');
  if (input.https && passive.some(insecureScheme)) first('csp-implemented-with-insecure-scheme-in-passive-content-only');
  if ([...styleSrc].some((s) => BROAD_OR_INLINE.has(s))) first('csp-implemented-with-unsafe-inline-in-style-src-only');
  const defaultSrc = csp.get('default-src');
  first(defaultSrc?.size === 1 && defaultSrc.has("'none'") ? 'csp-implemented-with-no-unsafe-default-src-none' : 'csp-implemented-with-no-unsafe');

  const passing = [
    'csp-implemented-with-no-unsafe',
    'csp-implemented-with-no-unsafe-default-src-none',
    'csp-implemented-with-unsafe-inline-in-style-src-only',
    'csp-implemented-with-insecure-scheme-in-passive-content-only',
  ];
  const pass = passing.includes(result as string);
  if (pass && combined.duplicateReports) result = 'csp-implemented-but-duplicate-directives';
  const policy: Record<string, string[]> = {};
  for (const [name, list] of csp) policy[name] = [...list].sort();
  return { result: result as string, pass, policy };
}
