import type { RequestView } from '../core/types.ts';
import { isRampartError } from '../errors.ts';

/** A request body parsed for inspection (the application still reads the raw bytes itself). */
export type ParsedBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; value: Record<string, string | string[]> }
  | { kind: 'other'; contentType: string }
  | { kind: 'too-large' }
  | { kind: 'invalid'; reason: string };

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Media type of the request (lower-case, without parameters), '' when absent. */
export function mediaType(req: RequestView): string {
  return (req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Parse `a=1&a=2&b=x` into `{ a: ['1', '2'], b: 'x' }` (form encoding: `+` is a space). */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

/**
 * Read and parse a JSON or urlencoded body through the non-consuming `readBody(limit)`.
 * Other media types are not read.
 */
export async function readParsedBody(req: RequestView, limit: number): Promise<ParsedBody> {
  if (BODYLESS.has(req.method)) return { kind: 'none' };
  const type = mediaType(req);
  const length = req.header('content-length');
  if (type === '' && (length === undefined || length === '0') && req.header('transfer-encoding') === undefined) return { kind: 'none' };
  const isJson = type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
  const isForm = type === 'application/x-www-form-urlencoded';
  if (!isJson && !isForm) return { kind: 'other', contentType: type };
  let bytes: Uint8Array;
  try {
    bytes = await req.readBody(limit);
  } catch (error) {
    if (isRampartError(error, 'ERR_RAMPART_BODY_TOO_LARGE')) return { kind: 'too-large' };
    return { kind: 'invalid', reason: 'the request body could not be read' };
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (isForm) return { kind: 'form', value: parseForm(text) };
  if (text.trim() === '') return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'invalid', reason: 'the request body is not valid JSON' };
  }
}
