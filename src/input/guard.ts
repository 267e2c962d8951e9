import zlib from 'node:zlib';
import { problem } from '../core/problem.ts';
import { checkKeys, optionsObject, numberOption, stringList, configError } from '../core/options.ts';
import { warnConfig } from '../core/events.ts';
import { exemptionPath } from '../core/canonical.ts';
import { isSensitiveKey } from '../core/secret-keys.ts';
import type { Middleware, Reply, RequestView } from '../core/types.ts';
import { isRampartError } from '../errors.ts';
import { parseForm } from './body.ts';
import {
  bodyKind,
  CHARSETS,
  decodeText,
  formParts,
  parseMediaType,
  requestMediaType,
  PartError,
  type BodyKind,
  type Gap,
  type MediaType,
} from './body-shape.ts';
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
   * Largest body scanned (multipart file bytes included), in bytes, both as received and after undoing its
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
  /**
   * Media types whose bodies pass uninspected in block mode, instead of 415: types inputGuard
   * cannot read as text (`'application/octet-stream'`, `'image/*'`, `'application/pdf'`). Types
   * it inspects (JSON, urlencoded, multipart/form-data, text, XML) cannot be listed. Each entry
   * is announced as a config warning. Default none.
   */
  passTypes?: readonly string[];
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

const KEYS = ['mode', 'threshold', 'scan', 'headers', 'types', 'bodyLimit', 'exemptPaths', 'maxValues', 'maxChars', 'passTypes'];
const DEFAULT_HEADERS = ['referer', 'user-agent', 'x-forwarded-host', 'x-original-url', 'x-rewrite-url'];
const MAX_DEPTH = 64;
const MAX_FINDINGS = 5;
const MAX_CODINGS = 3;
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

type Decoder = (input: Uint8Array, limit: number) => Promise<Uint8Array>;
type ZlibCall = (input: Uint8Array, options: { maxOutputLength: number }, done: (error: Error | null, out: Uint8Array) => void) => void;
const viaZlib =
  (fn: ZlibCall): Decoder =>
  (input, limit) =>
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

/** Per-request scan state: what is left of the budgets, findings so far, the first gap. */
interface ScanState {
  chars: number;
  findings: number;
  gap: Gap | undefined;
  gapDetail: string;
}

/**
 * True when `where` (`body.creds.pass`, `query.token`, `header.authorization`) is a field whose
 * name is sensitive by the log's redaction rule, or lies inside one. A `#key`/`#filename`
 * suffix (the finding is in a name, not a value) is judged by the field that holds it.
 */
function inSecretField(where: string): boolean {
  const hash = where.lastIndexOf('#');
  const path = hash === -1 ? where : where.slice(0, hash);
  let start = path.indexOf('.');
  if (start === -1) return isSensitiveKey(path);
  while (start < path.length) {
    let end = start + 1;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    const segment = path.slice(start + 1, end);
    if (!segment.endsWith(']') && isSensitiveKey(segment)) return true;
    start = end;
  }
  return false;
}

function describeFinding(f: GuardFinding, m: AttackMatch): string {
  const head = `rule=${f.rule} type=${f.type} in=${f.where.slice(0, 80)} score=${f.score}`;
  // Even a few characters of a password or token are too many to log.
  return inSecretField(f.where) ? `${head} value=withheld` : `${head} excerpt=${JSON.stringify(m.excerpt)}`;
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
 * Middleware scanning the request path, query, selected headers and the body of every
 * request that has one (any method) with {@link detectAttack}. Emits `PATH_TRAVERSAL_ATTEMPT` (for traversal) or
 * `SUSPICIOUS_INPUT` with the matched rule, location and a bounded excerpt — never the
 * whole payload. In `'block'` mode the request is answered 403 problem+json. The request
 * object is never modified (works with Express 5's getter-only `req.query`); findings are
 * left on `req.locals.inputGuard` for the handler.
 *
 * Bodies are read by their media type, since frameworks parse bodies whatever the label
 * says: JSON (`application/json`, `text/json`, `*+json`) and urlencoded are parsed and every
 * string and key scanned (an urlencoded body that parses as JSON is scanned as JSON too); a body without a type, `text/*`, XML or another textual type is
 * scanned as one text and also as JSON when it parses; `multipart/form-data` is split
 * strictly (part names, file names and parts without a file name, or with an empty one, scanned; file contents
 * counted, not scanned). A repeated or malformed Content-Type, and any type it cannot read
 * (binary), are refused with 415 in block mode unless listed in `passTypes`.
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
  for (const s of scan)
    if (!['path', 'query', 'headers', 'body'].includes(s))
      throw configError(`inputGuard.scan: unknown part ${JSON.stringify(s)}; use path, query, headers or body.`);
  const headers = (opts.headers === undefined ? DEFAULT_HEADERS : stringList(opts.headers, 'inputGuard.headers')).map((h) => h.toLowerCase());
  const types = opts.types === undefined ? undefined : (stringList(opts.types, 'inputGuard.types') as AttackType[]);
  for (const t of types ?? [])
    if (!['sqli', 'xss', 'path_traversal', 'cmd_injection', 'ssrf'].includes(t)) throw configError(`inputGuard.types: unknown type ${JSON.stringify(t)}.`);
  const bodyLimit = opts.bodyLimit === undefined ? 1_048_576 : numberOption(opts.bodyLimit, 'inputGuard.bodyLimit', 1, 1 << 30);
  const exempt = opts.exemptPaths === undefined ? [] : stringList(opts.exemptPaths, 'inputGuard.exemptPaths');
  for (const p of exempt) warnConfig(`inputGuard: requests under ${p} are not scanned (exemptPaths).`);
  const maxValues = opts.maxValues === undefined ? 1_000 : numberOption(opts.maxValues, 'inputGuard.maxValues', 1, 1_000_000);
  const maxChars = opts.maxChars === undefined ? 262_144 : numberOption(opts.maxChars, 'inputGuard.maxChars', 1_024, 100_000_000);
  const passTypes = opts.passTypes === undefined ? [] : stringList(opts.passTypes, 'inputGuard.passTypes').map((t) => t.trim().toLowerCase());
  for (const t of passTypes) {
    const m = /^([a-z0-9!#$&^_.+-]{1,127})\/([a-z0-9!#$&^_.+-]{1,127}|\*)$/.exec(t);
    if (m === null)
      throw configError(`inputGuard.passTypes: ${JSON.stringify(t.slice(0, 80))} is not a media type like 'application/octet-stream' or 'image/*'.`);
    if (m[2] === '*' ? m[1] === 'text' : bodyKind(t) !== undefined) {
      throw configError(
        `inputGuard.passTypes: ${t} bodies are inspected; passTypes is only for types inputGuard cannot read (binary ones such as application/octet-stream).`,
      );
    }
    warnConfig(`inputGuard: ${t} bodies are not inspected (passTypes); block mode lets them through.`);
  }
  const passExact = new Set(passTypes.filter((t) => !t.endsWith('/*')));
  const passTop = new Set(passTypes.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1)));
  const passes = (type: string): boolean => passExact.has(type) || (type !== '' && passTop.has(type.slice(0, type.indexOf('/') + 1)));
  if (mode === 'block' && !scan.has('body'))
    warnConfig("inputGuard: request bodies are not scanned (scan leaves out 'body'); block mode lets them through uninspected.");
  const limits: InputGuardLimits = Object.freeze({ bodyBytes: bodyLimit, chars: maxChars, values: maxValues, depth: MAX_DEPTH, encodings: ENCODINGS });
  const block = mode === 'block';
  const states = new WeakMap<RequestView, ScanState>();
  const stateOf = (req: RequestView): ScanState => {
    let state = states.get(req);
    if (state === undefined) {
      state = { chars: maxChars, findings: 0, gap: undefined, gapDetail: '' };
      states.set(req, state);
    }
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
      const status =
        state.gap === 'encoding' || state.gap === 'charset' || state.gap === 'type'
          ? 415
          : state.gap === 'undecodable' || state.gap === 'unparsable'
            ? 400
            : 413;
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

  /** Read (unless already read) and undo the Content-Encoding; undefined (with a gap noted) when that is not possible. */
  const readDecoded = async (req: RequestView, codings: readonly string[], read: Uint8Array | undefined): Promise<Uint8Array | undefined> => {
    const state = stateOf(req);
    let bytes: Uint8Array;
    try {
      bytes = read ?? (await req.readBody(bodyLimit));
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
    return bytes;
  };

  /** Scan every string and key of a parsed JSON/urlencoded value; true when one is an attack to block. */
  const scanValue = (req: RequestView, parsed: unknown, where: string, budget: { left: number; gap?: Gap }): boolean => {
    for (const [at, value] of leaves(parsed, where, 0, budget)) if (inspect(req, at, value) && block) return true;
    return false;
  };

  /**
   * Scan a text body or text part: the whole text as one value, and — since frameworks parse
   * JSON whatever the type says (Hono's `c.req.json()`) — every string of it when it parses as JSON.
   */
  const scanText = (req: RequestView, text: string, where: string, budget: { left: number; gap?: Gap }): boolean => {
    if (inspect(req, where, text) && block) return true;
    return scanAsJson(req, text, where, budget);
  };

  /**
   * Scan every string of `text` when it parses as JSON (it starts with `{`, `[` or `"`):
   * `c.req.json()`, `req.json()` and body parsers set to any type read JSON whatever the label
   * says, and a JSON string escape (`\u0027`) hides a payload from the other readings.
   */
  const scanAsJson = (req: RequestView, text: string, where: string, budget: { left: number; gap?: Gap }): boolean => {
    const first = text.trimStart()[0];
    if (first !== '{' && first !== '[' && first !== '"') return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return false;
    }
    return scanValue(req, parsed, where, budget);
  };

  /** Scan the parts of a multipart/form-data body: names, file names and text parts (file contents are counted, not scanned). */
  const scanMultipart = (req: RequestView, bytes: Uint8Array, boundary: string, budget: { left: number; gap?: Gap }): boolean => {
    const state = stateOf(req);
    try {
      for (const part of formParts(bytes, boundary, maxValues)) {
        if (--budget.left < 0) {
          budget.gap = 'values';
          return false;
        }
        const where = `body.${part.name.slice(0, 40)}`;
        if (!PLAIN_KEY.test(part.name) && inspect(req, `${where}#key`, part.name) && block) return true;
        if (part.filename !== undefined && inspect(req, `${where}#filename`, part.filename) && block) return true;
        if (part.file) continue;
        const coding = part.headers.get('content-transfer-encoding')?.toLowerCase();
        if (coding !== undefined && coding !== '7bit' && coding !== '8bit' && coding !== 'binary') {
          noteGap(state, 'encoding', `a multipart part with Content-Transfer-Encoding ${JSON.stringify(coding.slice(0, 40))}`);
          return false;
        }
        const partType = part.headers.get('content-type');
        const media = partType === undefined ? undefined : parseMediaType(partType);
        if (partType !== undefined && media === undefined) throw new PartError('unparsable', 'a multipart part has a malformed Content-Type');
        const charsetParam = media?.params.get('charset')?.toLowerCase();
        const charset = charsetParam === undefined ? 'utf-8' : CHARSETS.get(charsetParam);
        if (charset === undefined) {
          noteGap(state, 'charset', `a multipart part in charset ${JSON.stringify(charsetParam!.slice(0, 40))} (it decodes utf-8, us-ascii and iso-8859-1)`);
          return false;
        }
        // A part without a file name (or with an empty one: busboy's field) is a string to most parsers (undici's FormData, Hono's
        // parseBody), whatever its Content-Type: scan it as text, binary or not. Where the
        // charset is iso-8859-1, parsers that ignore it read UTF-8: scan both readings.
        const text = new TextDecoder(charset, { fatal: false }).decode(part.content);
        if (scanText(req, text, where, budget)) return true;
        if (charset !== 'utf-8' && scanText(req, new TextDecoder('utf-8', { fatal: false }).decode(part.content), where, budget)) return true;
        if (budget.gap !== undefined) return false;
      }
    } catch (error) {
      if (!(error instanceof PartError)) throw error;
      noteGap(state, error.gap, error.message);
    }
    return false;
  };

  /**
   * Inspect the body of `req` as `kind`: undo the Content-Encoding (within bodyLimit), decode
   * the charset, parse, scan. `read` is the body when it was read already.
   */
  const scanBody = async (
    req: RequestView,
    kind: BodyKind,
    media: MediaType | undefined,
    codings: readonly string[],
    charset: string,
    read: Uint8Array | undefined,
  ): Promise<Reply | undefined> => {
    const state = stateOf(req);
    const bytes = await readDecoded(req, codings, read);
    if (bytes === undefined || bytes.length === 0) return settle(req);
    const budget: { left: number; gap?: Gap } = { left: maxValues };
    let attack = false;
    if (kind === 'multipart') {
      const boundary = media?.params.get('boundary');
      if (boundary === undefined) noteGap(state, 'unparsable', 'a multipart/form-data body without a boundary');
      else attack = scanMultipart(req, bytes, boundary, budget);
    } else if (kind === 'text') {
      const text = decodeText(bytes, charset);
      if (text === undefined) noteGap(state, 'charset', 'a text body with NUL characters (UTF-16 or UTF-32 without a byte order mark, or binary data)');
      else attack = scanText(req, text, 'body', budget);
    } else {
      const text = new TextDecoder(charset, { fatal: false }).decode(bytes);
      let parsed: unknown;
      if (kind === 'form') parsed = parseForm(text);
      else if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          noteGap(state, 'unparsable', 'the body is not valid JSON');
        }
      }
      attack = scanValue(req, parsed, 'body', budget) || (kind === 'form' && budget.gap === undefined && scanAsJson(req, text, 'body', budget));
    }
    if (attack) return blocked();
    if (budget.gap === 'values') noteGap(state, 'values', `more than ${maxValues} body strings and keys`);
    else if (budget.gap === 'depth') noteGap(state, 'depth', `a body nested deeper than ${MAX_DEPTH} levels`);
    return settle(req);
  };

  /**
   * Decide how to read the body of a request that has (or may have) one: by its media type,
   * Content-Encoding and charset. What it cannot read is a gap (415) unless `passTypes` lists it.
   */
  const inspectBody = (req: RequestView, read: Uint8Array | undefined): Reply | Promise<Reply | undefined> | undefined => {
    const state = stateOf(req);
    const media = requestMediaType(req);
    if (media === null) {
      noteGap(state, 'type', 'a Content-Type header that is repeated or not one media type');
      return settle(req);
    }
    const type = media?.type ?? '';
    const kind = bodyKind(type);
    if (kind === undefined) {
      if (passes(type)) return undefined;
      noteGap(
        state,
        'type',
        `a ${JSON.stringify(type.slice(0, 80))} body (it reads JSON, urlencoded, multipart/form-data, text and XML; list binary types in passTypes)`,
      );
      return settle(req);
    }
    const codings = contentCodings(req.header('content-encoding'));
    const unknown = codings.find((c) => !DECODERS.has(c));
    if (unknown !== undefined || codings.length > MAX_CODINGS) {
      noteGap(
        state,
        'encoding',
        unknown !== undefined
          ? `Content-Encoding ${JSON.stringify(unknown.slice(0, 40))} (it decodes ${ENCODINGS.join(', ')})`
          : `more than ${MAX_CODINGS} content codings`,
      );
      return settle(req);
    }
    const charsetParam = media?.params.get('charset')?.toLowerCase();
    const charset = charsetParam === undefined ? 'utf-8' : CHARSETS.get(charsetParam);
    if (charset === undefined) {
      noteGap(state, 'charset', `charset ${JSON.stringify(charsetParam!.slice(0, 40))} (it decodes utf-8, us-ascii and iso-8859-1)`);
      return settle(req);
    }
    return scanBody(req, kind, media, codings, charset, read);
  };

  return Object.freeze<InputGuard>({
    name: 'inputGuard',
    limits,
    handle(req) {
      if (isExempt(exempt, req)) return undefined;
      if (scanSync(req) && block) return blocked();
      if (block && states.get(req)?.gap !== undefined) return settle(req);
      if (!scan.has('body')) return settle(req);
      // Any method may carry a body (express.json() parses one on a GET). Content-Length > 0
      // announces one: judged by its type before it is read. A chunked body may be empty, and
      // without either header only a method that usually has a body is read (HTTP/1.1 gives
      // it none; other transports may): read first, inspected when not empty.
      const length = req.header('content-length');
      if (length !== undefined && length.trim() !== '0') return inspectBody(req, undefined);
      if (req.header('transfer-encoding') === undefined && (length !== undefined || BODYLESS.has(req.method))) return settle(req);
      return req.readBody(bodyLimit).then(
        (bytes) => (bytes.length === 0 ? settle(req) : inspectBody(req, bytes)),
        () => inspectBody(req, undefined),
      );
    },
  });
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
