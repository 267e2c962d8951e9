/**
 * How inputGuard reads the body shapes frameworks parse: media types (strictly: a repeated or
 * malformed Content-Type is refused, not guessed), text charsets, and multipart/form-data
 * split into parts. Only for inspection — the application still reads the raw bytes itself.
 */
import type { RequestView } from '../core/types.ts';

/** Why (part of) a request was not inspected (inputGuard's answer follows from it). */
export type Gap = 'size' | 'chars' | 'values' | 'depth' | 'encoding' | 'charset' | 'type' | 'undecodable' | 'unparsable';

/** Part header block size a multipart body may use per part. */
const MAX_PART_HEAD = 8_192;

/** Text charsets inputGuard decodes, to the name TextDecoder/Buffer uses. */
export const CHARSETS: ReadonlyMap<string, string> = new Map([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['us-ascii', 'utf-8'],
  ['iso-8859-1', 'latin1'],
  ['latin1', 'latin1'],
]);

/** How inputGuard reads a body of a given media type. */
export type BodyKind = 'json' | 'form' | 'multipart' | 'text';

/** A parsed `type/subtype; name=value` header value (names lower-case; values as sent, unquoted). */
export interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

/** Application types that are text a scan can read (besides JSON, XML and urlencoded). */
const TEXT_APPLICATION = new Set([
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/graphql',
  'application/sql',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/csp-report',
  'application/xml',
  'application/xml-dtd',
  'application/x-sh',
  'application/x-httpd-php',
]);

/**
 * How a body of media type `type` (lower-case, no parameters; '' when absent) is inspected,
 * or undefined when inputGuard cannot read it (binary, or a type it does not know as text).
 */
export function bodyKind(type: string): BodyKind | undefined {
  if (type === 'application/json' || type === 'text/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === '' || type.startsWith('text/') || type.endsWith('+xml') || TEXT_APPLICATION.has(type)) return 'text';
  return undefined;
}

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parse one Content-Type value strictly (RFC 9110 §8.3): `type/subtype` and `; name=value`
 * parameters (token or quoted-string). Undefined for anything else — two values joined with
 * a comma, a parameter given twice, stray characters — since parsers would disagree on it.
 */
export function parseMediaType(value: string): MediaType | undefined {
  let i = skipOws(value, 0);
  const end = value.length;
  let j = i;
  while (j < end && value[j] !== ';' && value[j] !== ' ' && value[j] !== '\t') j++;
  const full = value.slice(i, j).toLowerCase();
  const slash = full.indexOf('/');
  if (slash <= 0 || !TCHAR.test(full.slice(0, slash)) || !TCHAR.test(full.slice(slash + 1))) return undefined;
  const params = new Map<string, string>();
  i = skipOws(value, j);
  while (i < end) {
    if (value[i] !== ';') return undefined;
    i = skipOws(value, i + 1);
    if (i >= end || value[i] === ';') continue;
    const eq = value.indexOf('=', i);
    if (eq === -1) return undefined;
    const name = value.slice(i, eq).toLowerCase();
    if (!TCHAR.test(name) || params.has(name)) return undefined;
    i = eq + 1;
    let v = '';
    if (value[i] === '"') {
      i++;
      for (; i < end && value[i] !== '"'; i++) {
        if (value[i] === '\\') i++;
        if (i < end) v += value[i];
      }
      if (i >= end) return undefined;
      i++;
    } else {
      const start = i;
      while (i < end && value[i] !== ';' && value[i] !== ' ' && value[i] !== '\t') i++;
      v = value.slice(start, i);
      if (!TCHAR.test(v)) return undefined;
    }
    params.set(name, v);
    i = skipOws(value, i);
  }
  return { type: full, params };
}

function skipOws(value: string, i: number): number {
  while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
  return i;
}

/**
 * The request's Content-Type, or undefined when there is none, or `null` when it cannot be
 * read one way: sent twice (Node keeps the first, other parsers the last or both), or not one
 * well-formed media type (`text/plain, application/json` is how fetch runtimes join two).
 */
export function requestMediaType(req: RequestView): MediaType | null | undefined {
  const rawHeaders = (req.raw as { rawHeaders?: unknown } | null | undefined)?.rawHeaders;
  if (Array.isArray(rawHeaders)) {
    let seen = 0;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      if (typeof name === 'string' && name.length === 12 && name.toLowerCase() === 'content-type' && ++seen > 1) return null;
    }
  }
  const value = req.header('content-type');
  if (value === undefined) return undefined;
  return parseMediaType(value) ?? null;
}

/**
 * Decode a text body for scanning: UTF-16 when it starts with a UTF-16 byte order mark (an
 * XML parser reads it so), else `charset`. Undefined when the text holds NUL characters —
 * UTF-16/32 without a mark, or binary data — which a scan of the decoded text would miss.
 */
export function decodeText(bytes: Uint8Array, charset: string): string | undefined {
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder('utf-16le').decode(bytes);
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder('utf-16be').decode(bytes);
  else text = new TextDecoder(charset, { fatal: false }).decode(bytes);
  return text.includes('\u0000') ? undefined : text;
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  /** The `filename*` (else `filename`) parameter as sent, when there is one. */
  readonly filename: string | undefined;
  /**
   * True when every parser reads the part as a file: a file name parameter is present and none
   * is empty. busboy (multer, @fastify/multipart) takes `filename=""` for a string field and
   * undici's FormData for a file, so such a part counts as a field (its content is scanned).
   */
  readonly file: boolean;
  readonly headers: ReadonlyMap<string, string>;
  readonly content: Uint8Array;
}

/** Why a multipart body could not be read, with the status class inputGuard answers. */
export class PartError extends Error {
  readonly gap: Gap;
  constructor(gap: Gap, message: string) {
    super(message);
    this.gap = gap;
  }
}

const CRLF_DELIMITER = (boundary: string) => Buffer.from(`\r\n--${boundary}`, 'latin1');
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * Split a buffered multipart/form-data body (RFC 7578) strictly, for inspection only: every
 * part needs `Content-Disposition: form-data; name=…`, CRLF line ends and a closing delimiter;
 * anything a parser could read another way throws PartError('unparsable'). Files are the
 * parts with a non-empty `filename` (or `filename*`) parameter (see {@link FormPart.file}). Stops after `maxParts` parts with
 * PartError('values').
 */
export function* formParts(body: Uint8Array, boundary: string, maxParts: number): Generator<FormPart> {
  if (!BOUNDARY.test(boundary)) throw new PartError('unparsable', 'the multipart boundary is not valid');
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = CRLF_DELIMITER(boundary);
  const dash = delimiter.subarray(2);
  let pos = b.subarray(0, dash.length).equals(dash) ? 0 : b.indexOf(delimiter);
  if (pos === -1) throw new PartError('unparsable', 'the multipart body has no boundary delimiter');
  if (pos > 0) pos += 2;
  for (let count = 0; ; count++) {
    let i = pos + dash.length;
    if (b[i] === 0x2d && b[i + 1] === 0x2d) return; // close delimiter; the epilogue is ignored
    while (b[i] === 0x20 || b[i] === 0x09) i++;
    if (b[i] !== 0x0d || b[i + 1] !== 0x0a) throw new PartError('unparsable', 'a multipart delimiter is not followed by a line end');
    if (count >= maxParts) throw new PartError('values', `more than ${maxParts} multipart parts`);
    const headStart = i + 2;
    const headEnd = b[headStart] === 0x0d && b[headStart + 1] === 0x0a ? headStart : b.indexOf('\r\n\r\n', headStart, 'latin1');
    if (headEnd === -1 || headEnd - headStart > MAX_PART_HEAD) throw new PartError('unparsable', 'a multipart part has no complete header block');
    const next = b.indexOf(delimiter, headEnd);
    if (next === -1) throw new PartError('unparsable', 'the multipart body does not end with its closing delimiter');
    const contentStart = headEnd === headStart ? headStart + 2 : headEnd + 4;
    const headers = partHeaders(b.toString('utf8', headStart, headEnd));
    const disposition = headers.get('content-disposition');
    const parsed = disposition === undefined ? undefined : parseMediaLike(disposition);
    if (parsed === undefined || parsed.type !== 'form-data' || !parsed.params.has('name')) {
      throw new PartError('unparsable', 'a multipart part has no Content-Disposition: form-data with a name');
    }
    const plain = parsed.params.get('filename');
    const extended = parsed.params.get('filename*');
    const filename = extended ?? plain;
    const file = filename !== undefined && plain !== '' && (extended === undefined || extendedValue(extended) !== '');
    yield { name: parsed.params.get('name')!, filename, file, headers, content: b.subarray(contentStart, next) };
    pos = next + 2;
  }
}

/** The text of an RFC 8187 `charset'language'pct-encoded` parameter value (the value as is when not in that form). */
function extendedValue(value: string): string {
  const first = value.indexOf("'");
  const second = first === -1 ? -1 : value.indexOf("'", first + 1);
  if (second === -1) return value;
  const text = value.slice(second + 1);
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Header lines of one part (lower-case names); a folded, malformed or repeated line throws. */
function partHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>();
  if (block === '') return out;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).toLowerCase();
    if (!TCHAR.test(name) || out.has(name)) throw new PartError('unparsable', 'a multipart part has a malformed or repeated header');
    out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}

/** `form-data; name="a"; filename*=UTF-8''x` read like a media type (a bare token instead of type/subtype). */
function parseMediaLike(value: string): MediaType | undefined {
  const semi = value.indexOf(';');
  const token = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!TCHAR.test(token)) return undefined;
  const parsed = parseMediaType(`x/x${semi === -1 ? '' : value.slice(semi)}`);
  return parsed === undefined ? undefined : { type: token, params: parsed.params };
}
