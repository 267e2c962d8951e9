import zlib from 'node:zlib';
import { problem } from '../core/problem.ts';
import { checkKeys, optionsObject, numberOption, stringList, configError } from '../core/options.ts';
import { warnConfig } from '../core/events.ts';
import { exemptionPath } from '../core/canonical.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import { isRampartError } from '../errors.ts';
import { mediaType, parseForm } from './body.ts';
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
  /**
   * Largest JSON/urlencoded body scanned, in bytes, both as received and after undoing its
   * `Content-Encoding` (the decompression cap). Default 1,048,576. Larger bodies: 413 in
   * block mode, passed with a "not inspected" event in monitor mode.
   */
  bodyLimit?: number;
  /** Path prefixes not scanned (e.g. `['/webhooks/']`). Default none. */
  exemptPaths?: readonly string[];
  /**
   * Most query parameters, and most body strings (values and keys), scanned per request.
   * Default 1,000. More: 413 in block mode, a "not inspected" event in monitor mode.
   */
  maxValues?: number;
  /**
   * Most characters scanned per request over all parts; bounds the CPU a request can cost.
   * Default 262,144. More text: 413 in block mode, a "not inspected" event in monitor mode.
   */
  maxChars?: number;
}

/** What inputGuard inspects; a request beyond any of these is refused in block mode. */
export interface InputGuardLimits {
  /** Body bytes, received and decoded (`bodyLimit`). */
  readonly bodyBytes: number;
  /** Characters scanned over path, query, headers and body (`maxChars`). */
  readonly chars: number;
  /** Query parameters, and body strings and keys, each (`maxValues`). */
  readonly values: number;
  /** Nesting depth of a JSON body. */
  readonly depth: number;
  /** Content-Encoding tokens it decodes (`x-gzip` is gzip; `identity` is none). */
  readonly encodings: readonly string[];
}

/** The inputGuard middleware, with the limits it inspects within. */
export interface InputGuard extends Middleware {
  readonly limits: InputGuardLimits;
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
const MAX_CODINGS = 3;
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const CHARSETS = new Map([['utf-8', 'utf-8'], ['utf8', 'utf-8'], ['us-ascii', 'utf-8'], ['iso-8859-1', 'latin1'], ['latin1', 'latin1']]);

type Decoder = (input: Uint8Array, limit: number) => Promise<Uint8Array>;
type ZlibCall = (input: Uint8Array, options: { maxOutputLength: number }, done: (error: Error | null, out: Uint8Array) => void) => void;
const viaZlib = (fn: ZlibCall): Decoder => (input, limit) =>
  new Promise((resolve, reject) => fn(input, { maxOutputLength: limit }, (error, out) => (error ? reject(error) : resolve(out))));
const zstd = (zlib as unknown as { zstdDecompress?: ZlibCall }).zstdDecompress;
const inflate = viaZlib(zlib.inflate as unknown as ZlibCall);
const inflateRaw = viaZlib(zlib.inflateRaw as unknown as ZlibCall);
/** Content codings undone before scanning (decompressed size capped by bodyLimit). */
const DECODERS = new Map<string, Decoder>([
  ['gzip', viaZlib(zlib.gunzip as unknown as ZlibCall)],
  ['x-gzip', viaZlib(zlib.gunzip as unknown as ZlibCall)],
  // zlib-wrapped as RFC 9110 says, or raw deflate as some clients send it.
  ['deflate', (input, limit) => inflate(input, limit).catch((error: unknown) => (isTooLarge(error) ? Promise.reject(error) : inflateRaw(input, limit)))],
  ['br', viaZlib(zlib.brotliDecompress as unknown as ZlibCall)],
  ...(typeof zstd === 'function' ? [['zstd', viaZlib(zstd)] as [string, Decoder]] : []),
]);
const ENCODINGS = Object.freeze([...DECODERS.keys()].filter((k) => k !== 'x-gzip'));

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError || (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/** Why (part of) a request was not inspected. */
type Gap = 'size' | 'chars' | 'values' | 'depth' | 'encoding' | 'charset' | 'undecodable' | 'unparsable';

/** Per-request scan state: what is left of the budgets, findings so far, the first gap. */
interface ScanState {
  chars: number;
  findings: number;
  gap: Gap | undefined;
  gapDetail: string;
}

function describeFinding(f: GuardFinding, m: AttackMatch): string {
  return `rule=${f.rule} type=${f.type} in=${f.where.slice(0, 80)} score=${f.score} excerpt=${JSON.stringify(m.excerpt)}`;
}

/**
 * Yield [where, string] for every string key and leaf of a JSON value. Stops, recording a
 * gap, at the first string past `budget.left` or container deeper than MAX_DEPTH.
 */
function* leaves(value: unknown, where: string, depth: number, budget: { left: number; gap?: Gap }): Generator<[string, string]> {
  if (typeof value === 'string') {
    if (budget.left <= 0) {
      budget.gap = 'values';
      return;
    }
    budget.left--;
    yield [where, value];
  } else if (Array.isArray(value)) {
    if (value.length > 0 && depth >= MAX_DEPTH) budget.gap = 'depth';
    for (let i = 0; i < value.length && budget.gap === undefined; i++) yield* leaves(value[i], `${where}[${i}]`, depth + 1, budget);
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (depth >= MAX_DEPTH) budget.gap = 'depth';
      else if (budget.left <= 0) budget.gap = 'values';
      if (budget.gap !== undefined) return;
      budget.left--;
      // Identifier-like keys cannot carry an injection; skip scanning them.
      if (!PLAIN_KEY.test(k)) yield [`${where}.${k.slice(0, 40)}#key`, k];
      yield* leaves((value as Record<string, unknown>)[k], `${where}.${k.slice(0, 40)}`, depth + 1, budget);
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
 * Bodies in `gzip`, `deflate`, `br` or `zstd` are decoded before scanning, with the decoded
 * size capped at `bodyLimit`. What it cannot inspect fully — an unknown encoding or
 * charset (415), an undecodable or unparsable body (400), more than `bodyLimit` bytes,
 * `maxChars` characters, `maxValues` parameters or 64 levels of nesting (413) — is refused
 * in block mode; in monitor mode it passes with one `SUSPICIOUS_INPUT` event
 * `not inspected: reason=…`. The limits are on the returned middleware's `limits`.
 *
 * A signal and a speed bump for probes, not a substitute for parameterised queries,
 * output encoding and path checks.
 *
 * @example
 * stack([inputGuard({ mode: 'block' })]).express();
 */
export function inputGuard(options: InputGuardOptions = {}): InputGuard {
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
  const limits: InputGuardLimits = Object.freeze({ bodyBytes: bodyLimit, chars: maxChars, values: maxValues, depth: MAX_DEPTH, encodings: ENCODINGS });
  const block = mode === 'block';
  const states = new WeakMap<RequestView, ScanState>();
  const stateOf = (req: RequestView): ScanState => {
    let state = states.get(req);
    if (state === undefined) states.set(req, (state = { chars: maxChars, findings: 0, gap: undefined, gapDetail: '' }));
    return state;
  };
  const noteGap = (state: ScanState, gap: Gap, detail: string): void => {
    if (state.gap === undefined) {
      state.gap = gap;
      state.gapDetail = detail;
    }
  };

  /** Scan one value; true when it is an attack. Text past the per-request budget is a gap. */
  const inspect = (req: RequestView, where: string, value: string): boolean => {
    const state = stateOf(req);
    // At most MAX_FINDINGS events per request: a body full of payloads must not flood the log.
    if (state.findings >= MAX_FINDINGS || value.length === 0) return false;
    if (value.length > state.chars) noteGap(state, 'chars', `more than ${maxChars} characters of text (at ${where.slice(0, 80)})`);
    if (state.chars <= 0) return false;
    const maxLength = state.chars;
    state.chars -= Math.min(value.length, maxLength);
    const d = detectAttack(value, types === undefined ? { threshold, maxLength } : { threshold, maxLength, types });
    if (!d.detected) return false;
    const top = d.attacks[0]!;
    const finding: GuardFinding = { where, type: top.type, rule: top.rule, score: d.score };
    const list = (req.locals.inputGuard as GuardFinding[] | undefined) ?? [];
    if (list.length === 0) req.locals.inputGuard = list;
    list.push(finding);
    state.findings++;
    const traversal = d.attacks.find((a) => a.type === 'path_traversal');
    if (traversal) req.emit('PATH_TRAVERSAL_ATTEMPT', describeFinding({ ...finding, type: 'path_traversal', rule: traversal.rule }, traversal));
    else req.emit('SUSPICIOUS_INPUT', describeFinding(finding, top));
    return true;
  };

  const blocked = () => problem(403, 'The request was blocked because it looks like an attack.', { title: 'Forbidden' });

  /**
   * The end of a scan that found no attack: in block mode a request with a gap is refused
   * (415 for an encoding or charset it does not decode, 400 for a body that does not
   * decode or parse, 413 for more than it inspects); in monitor mode it passes with one
   * SUSPICIOUS_INPUT event "not inspected: reason=…" and `req.locals.inputGuardUninspected`.
   */
  const settle = (req: RequestView): Reply | undefined => {
    const state = states.get(req);
    if (state?.gap === undefined) return undefined;
    if (block) {
      const status = state.gap === 'encoding' || state.gap === 'charset' ? 415 : state.gap === 'undecodable' || state.gap === 'unparsable' ? 400 : 413;
      return problem(status, `The request was refused because inputGuard cannot inspect it: ${state.gapDetail}.`);
    }
    req.locals.inputGuardUninspected = state.gap;
    req.emit('SUSPICIOUS_INPUT', `not inspected: reason=${state.gap} ${state.gapDetail}`);
    return undefined;
  };

  const scanSync = (req: RequestView): boolean => {
    if (scan.has('path') && inspect(req, 'path', req.path)) return true;
    if (scan.has('query') && req.query !== '') {
      let n = 0;
      for (const pair of req.query.split('&')) {
        if (++n > maxValues) {
          noteGap(stateOf(req), 'values', `more than ${maxValues} query parameters`);
          break;
        }
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

  /** Read, decode and parse the body; undefined (with a gap noted) when that is not possible. */
  const readBody = async (req: RequestView, codings: readonly string[], charset: string, isForm: boolean): Promise<unknown> => {
    const state = stateOf(req);
    let bytes: Uint8Array;
    try {
      bytes = await req.readBody(bodyLimit);
    } catch (error) {
      if (isRampartError(error, 'ERR_RAMPART_BODY_TOO_LARGE')) noteGap(state, 'size', `a body larger than ${bodyLimit} bytes`);
      else noteGap(state, 'undecodable', 'the body could not be read');
      return undefined;
    }
    for (let i = codings.length - 1; i >= 0; i--) {
      try {
        bytes = await DECODERS.get(codings[i]!)!(bytes, bodyLimit);
      } catch (error) {
        if (isTooLarge(error)) noteGap(state, 'size', `a body larger than ${bodyLimit} bytes once decoded (Content-Encoding: ${codings.join(', ')})`);
        else noteGap(state, 'undecodable', `the body is not valid ${codings[i]} data`);
        return undefined;
      }
    }
    const text = new TextDecoder(charset, { fatal: false }).decode(bytes);
    if (isForm) return parseForm(text);
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      noteGap(state, 'unparsable', 'the body is not valid JSON');
      return undefined;
    }
  };

  return {
    name: 'inputGuard',
    limits,
    handle(req) {
      if (isExempt(exempt, req)) return undefined;
      if (scanSync(req) && block) return blocked();
      if (block && states.get(req)?.gap !== undefined) return settle(req);
      if (!scan.has('body') || BODYLESS.has(req.method)) return settle(req);
      const type = mediaType(req);
      const isForm = type === 'application/x-www-form-urlencoded';
      // Only JSON and urlencoded bodies are inspected; skip the read (and stay synchronous) otherwise.
      if (!isForm && type !== 'application/json' && !(type.startsWith('application/') && type.endsWith('+json'))) return settle(req);
      const state = stateOf(req);
      const codings = contentCodings(req.header('content-encoding'));
      const unknown = codings.find((c) => !DECODERS.has(c));
      if (unknown !== undefined || codings.length > MAX_CODINGS) {
        noteGap(state, 'encoding', unknown !== undefined ? `Content-Encoding ${JSON.stringify(unknown.slice(0, 40))} (it decodes ${ENCODINGS.join(', ')})` : `more than ${MAX_CODINGS} content codings`);
        return settle(req);
      }
      const charsetParam = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.header('content-type') ?? '')?.[1]?.toLowerCase();
      const charset = charsetParam === undefined ? 'utf-8' : CHARSETS.get(charsetParam);
      if (charset === undefined) {
        noteGap(state, 'charset', `charset ${JSON.stringify(charsetParam!.slice(0, 40))} (it decodes utf-8, us-ascii and iso-8859-1)`);
        return settle(req);
      }
      return readBody(req, codings, charset, isForm).then((parsed) => {
        const budget: { left: number; gap?: Gap } = { left: maxValues };
        for (const [where, value] of leaves(parsed, 'body', 0, budget)) {
          if (inspect(req, where.replace(/^body\.?/, 'body.'), value) && block) return blocked();
        }
        if (budget.gap === 'values') noteGap(state, 'values', `more than ${maxValues} body strings and keys`);
        else if (budget.gap === 'depth') noteGap(state, 'depth', `a body nested deeper than ${MAX_DEPTH} levels`);
        return settle(req);
      });
    },
  };
}

/** True when the request is under one of the exempt path prefixes (not scanned). */
function isExempt(exempt: readonly string[], req: RequestView): boolean {
  // Only a path in normal form as sent is exempt: `/STATIC/`, `/st%61tic/`, `//static/` get scanned.
  const path = exemptionPath(req);
  return path !== '' && exempt.some((p) => path.startsWith(p));
}

/** The Content-Encoding tokens of a request, lower-case, `identity` left out. */
function contentCodings(header: string | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const token of header.split(',')) {
    const coding = token.trim().toLowerCase();
    if (coding !== '' && coding !== 'identity') out.push(coding);
  }
  return out;
}
