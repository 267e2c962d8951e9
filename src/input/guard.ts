import { problem } from '../core/problem.ts';
import { checkKeys, optionsObject, numberOption, stringList, configError } from '../core/options.ts';
import { warnConfig } from '../core/events.ts';
import type { Middleware, RequestView } from '../core/types.ts';
import { mediaType, readParsedBody } from './body.ts';
import { detectAttack, DEFAULT_THRESHOLD, type AttackMatch, type AttackType } from './detect.ts';

/** Options for {@link inputGuard}. */
export interface InputGuardOptions {
  /** `'monitor'` (default) emits events and lets requests through; `'block'` answers 403 problem+json. */
  mode?: 'monitor' | 'block';
  /** Score at which a value counts as an attack. Default 8 (see detectAttack). */
  threshold?: number;
  /** What to scan. Default all four. */
  scan?: ReadonlyArray<'path' | 'query' | 'headers' | 'body'>;
  /** Headers scanned (lower-case). Default `['referer', 'user-agent', 'x-forwarded-host', 'x-original-url', 'x-rewrite-url']`. */
  headers?: readonly string[];
  /** Attack types considered. Default all. */
  types?: readonly AttackType[];
  /** Largest JSON/urlencoded body scanned, in bytes. Default 1,048,576. Larger bodies: 413 in block mode, not scanned in monitor mode. */
  bodyLimit?: number;
  /** Path prefixes not scanned (e.g. `['/webhooks/']`). Default none. */
  exemptPaths?: readonly string[];
  /** Most body strings (values and keys) scanned per request; the rest is not inspected. Default 1,000. */
  maxValues?: number;
  /** Most characters scanned per request over all parts; bounds the CPU a request can cost. Default 262,144. */
  maxChars?: number;
}

/** What the guard found, on `req.locals.inputGuard` when anything matched. */
export interface GuardFinding {
  /** Where: `path`, `query.<key>`, `header.<name>`, `body.<dotted.path>`. */
  where: string;
  type: AttackType;
  rule: string;
  score: number;
}

const KEYS = ['mode', 'threshold', 'scan', 'headers', 'types', 'bodyLimit', 'exemptPaths', 'maxValues', 'maxChars'];
const DEFAULT_HEADERS = ['referer', 'user-agent', 'x-forwarded-host', 'x-original-url', 'x-rewrite-url'];
const MAX_DEPTH = 64;
const MAX_FINDINGS = 5;
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function describeFinding(f: GuardFinding, m: AttackMatch): string {
  return `rule=${f.rule} type=${f.type} in=${f.where.slice(0, 80)} score=${f.score} excerpt=${JSON.stringify(m.excerpt)}`;
}

/** Yield [where, string] for every string key and leaf of a JSON value (bounded in count and depth). */
function* leaves(value: unknown, where: string, depth: number, budget: { left: number }): Generator<[string, string]> {
  if (budget.left <= 0 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    budget.left--;
    yield [where, value];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && budget.left > 0; i++) yield* leaves(value[i], `${where}[${i}]`, depth + 1, budget);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (budget.left <= 0) return;
      budget.left--;
      // Identifier-like keys cannot carry an injection; skip scanning them.
      if (!PLAIN_KEY.test(k)) yield [`${where}.${k.slice(0, 40)}#key`, k];
      yield* leaves(v, `${where}.${k.slice(0, 40)}`, depth + 1, budget);
    }
  }
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s; // detectAttack decodes tolerantly itself
  }
}

/**
 * Middleware scanning the request path, query, selected headers and JSON/urlencoded
 * bodies with {@link detectAttack}. Emits `PATH_TRAVERSAL_ATTEMPT` (for traversal) or
 * `SUSPICIOUS_INPUT` with the matched rule, location and a bounded excerpt — never the
 * whole payload. In `'block'` mode the request is answered 403 problem+json. The request
 * object is never modified (works with Express 5's getter-only `req.query`); findings are
 * left on `req.locals.inputGuard` for the handler.
 *
 * A signal and a speed bump for probes, not a substitute for parameterised queries,
 * output encoding and path checks.
 *
 * @example
 * stack([inputGuard({ mode: 'block' })]).express();
 */
export function inputGuard(options: InputGuardOptions = {}): Middleware {
  const opts = optionsObject(options, 'inputGuard');
  checkKeys(opts, KEYS, 'inputGuard');
  const mode = opts.mode ?? 'monitor';
  if (mode !== 'monitor' && mode !== 'block') throw configError(`inputGuard.mode must be 'monitor' or 'block' (got ${JSON.stringify(mode)}).`);
  const threshold = opts.threshold === undefined ? DEFAULT_THRESHOLD : numberOption(opts.threshold, 'inputGuard.threshold', 1, 100);
  const scan = new Set(opts.scan === undefined ? ['path', 'query', 'headers', 'body'] : stringList(opts.scan, 'inputGuard.scan'));
  for (const s of scan) if (!['path', 'query', 'headers', 'body'].includes(s)) throw configError(`inputGuard.scan: unknown part ${JSON.stringify(s)}; use path, query, headers or body.`);
  const headers = (opts.headers === undefined ? DEFAULT_HEADERS : stringList(opts.headers, 'inputGuard.headers')).map((h) => h.toLowerCase());
  const types = opts.types === undefined ? undefined : (stringList(opts.types, 'inputGuard.types') as AttackType[]);
  for (const t of types ?? []) if (!['sqli', 'xss', 'path_traversal', 'cmd_injection', 'ssrf'].includes(t)) throw configError(`inputGuard.types: unknown type ${JSON.stringify(t)}.`);
  const bodyLimit = opts.bodyLimit === undefined ? 1_048_576 : numberOption(opts.bodyLimit, 'inputGuard.bodyLimit', 1, 1 << 30);
  const exempt = opts.exemptPaths === undefined ? [] : stringList(opts.exemptPaths, 'inputGuard.exemptPaths');
  for (const p of exempt) warnConfig(`inputGuard: requests under ${p} are not scanned (exemptPaths).`);
  const maxValues = opts.maxValues === undefined ? 1_000 : numberOption(opts.maxValues, 'inputGuard.maxValues', 1, 1_000_000);
  const maxChars = opts.maxChars === undefined ? 262_144 : numberOption(opts.maxChars, 'inputGuard.maxChars', 1_024, 100_000_000);
  // Characters left to scan for each request (CPU bound per request).
  const budgets = new WeakMap<RequestView, { chars: number }>();

  const inspect = (req: RequestView, where: string, value: string): boolean => {
    // At most MAX_FINDINGS events per request: a body full of payloads must not flood the log.
    if (((req.locals.inputGuard as GuardFinding[] | undefined)?.length ?? 0) >= MAX_FINDINGS) return false;
    let budget = budgets.get(req);
    if (budget === undefined) budgets.set(req, (budget = { chars: maxChars }));
    if (budget.chars <= 0 || value.length === 0) return false;
    const maxLength = Math.min(65_536, budget.chars);
    budget.chars -= Math.min(value.length, maxLength);
    const d = detectAttack(value, types === undefined ? { threshold, maxLength } : { threshold, maxLength, types });
    if (!d.detected) return false;
    const top = d.attacks[0]!;
    const finding: GuardFinding = { where, type: top.type, rule: top.rule, score: d.score };
    const list = (req.locals.inputGuard as GuardFinding[] | undefined) ?? [];
    if (list.length === 0) req.locals.inputGuard = list;
    list.push(finding);
    const traversal = d.attacks.find((a) => a.type === 'path_traversal');
    if (traversal) req.emit('PATH_TRAVERSAL_ATTEMPT', describeFinding({ ...finding, type: 'path_traversal', rule: traversal.rule }, traversal));
    else req.emit('SUSPICIOUS_INPUT', describeFinding(finding, top));
    return true;
  };

  const blocked = () => problem(403, 'The request was blocked because it looks like an attack.', { title: 'Forbidden' });

  const scanSync = (req: RequestView): boolean => {
    if (scan.has('path') && inspect(req, 'path', req.path)) return true;
    if (scan.has('query') && req.query !== '') {
      let n = 0;
      for (const pair of req.query.split('&')) {
        if (++n > 1000) break;
        const eq = pair.indexOf('=');
        const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
        const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
        if (inspect(req, `query.${key.slice(0, 40)}`, value) || inspect(req, `query.${key.slice(0, 40)}#key`, key)) return true;
      }
    }
    if (scan.has('headers')) {
      for (const name of headers) {
        const v = req.header(name);
        if (v !== undefined && inspect(req, `header.${name}`, v)) return true;
      }
    }
    return false;
  };

  return {
    name: 'inputGuard',
    handle(req) {
      if (exempt.some((p) => req.path.startsWith(p))) return undefined;
      if (scanSync(req) && mode === 'block') return blocked();
      if (!scan.has('body') || BODYLESS.has(req.method)) return undefined;
      const type = mediaType(req);
      // Only JSON and urlencoded bodies are inspected; skip the read (and stay synchronous) otherwise.
      if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded' && !(type.startsWith('application/') && type.endsWith('+json'))) return undefined;
      return readParsedBody(req, bodyLimit).then((parsed) => {
        if (parsed.kind === 'too-large') return mode === 'block' ? problem(413, `The request body is larger than ${bodyLimit} bytes and cannot be inspected.`) : undefined;
        if (parsed.kind !== 'json' && parsed.kind !== 'form') return undefined;
        const budget = { left: maxValues };
        for (const [where, value] of leaves(parsed.value, 'body', 0, budget)) {
          if (inspect(req, where.replace(/^body\.?/, 'body.'), value) && mode === 'block') return blocked();
        }
        return undefined;
      });
    },
  };
}
