/**
 * Hand-written scanners for shapes a backtracking regular expression can only match in
 * quadratic time (a repeated prefix inside a long run of the same characters). Each scan
 * is linear in the text length: every character is looked at a bounded number of times.
 */

/** Character classes of {@link classOf}, as bits so a run's classes can be or-ed together. */
export const UPPER = 1;
export const LOWER = 2;
export const DIGIT = 4;

/** The class of an ASCII letter or digit (UPPER, LOWER, DIGIT); 0 for anything else. */
export function classOf(code: number): number {
  if (code >= 0x41 && code <= 0x5a) return UPPER;
  if (code >= 0x61 && code <= 0x7a) return LOWER;
  if (code >= 0x30 && code <= 0x39) return DIGIT;
  return 0;
}

/** True when text[start, end) holds both a letter and a digit. */
export function mixesLettersAndDigits(text: string, start: number, end: number): boolean {
  let classes = 0;
  for (let i = start; i < end; i++) classes |= classOf(text.charCodeAt(i));
  return (classes & DIGIT) !== 0 && (classes & (UPPER | LOWER)) !== 0;
}

/** base64url alphabet: A–Z a–z 0–9 `-` `_`. */
export function isB64Url(code: number): boolean {
  return classOf(code) !== 0 || code === 0x2d || code === 0x5f;
}

/** `\w`: A–Z a–z 0–9 `_`. */
function isWord(code: number): boolean {
  return isB64Url(code) && code !== 0x2d;
}

/** End (exclusive) of the run of base64url characters starting at `from`. */
function runEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isB64Url(text.charCodeAt(i))) i++;
  return i;
}

/** Length limits of the three dot-separated segments of a JWT-shaped token. */
export interface JwtShape {
  /** Minimum and maximum length of the header segment (including its leading `eyJ`). */
  header: readonly [number, number];
  /** Minimum and maximum length of the payload segment. */
  payload: readonly [number, number];
  /** Maximum length of the signature segment (it may be empty). */
  signature: number;
  /** The payload must start with `eyJ` too (a JSON object, as in a real JWT). */
  payloadJson: boolean;
}

/**
 * Every JWT-shaped token in `text`: `eyJ…` (at a word boundary) `.` payload `.` signature,
 * base64url segments within the lengths of `shape`. Returns [start, end) pairs in order.
 * Linear: a failed candidate skips the whole base64url run it started in (every `eyJ`
 * inside that run would fail the same way, at the same `.`), and a run longer than a
 * segment's maximum is not a token.
 */
export function jwtSpans(text: string, shape: JwtShape): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('eyJ', from);
    if (start === -1) return out;
    if (start > 0 && isWord(text.charCodeAt(start - 1))) {
      from = start + 1;
      continue;
    }
    const headerEnd = runEnd(text, start);
    from = headerEnd;
    const headerLength = headerEnd - start;
    if (headerLength < shape.header[0] || headerLength > shape.header[1] || text.charCodeAt(headerEnd) !== 0x2e) continue;
    const payloadEnd = runEnd(text, headerEnd + 1);
    const payloadLength = payloadEnd - headerEnd - 1;
    if (payloadLength < shape.payload[0] || payloadLength > shape.payload[1] || text.charCodeAt(payloadEnd) !== 0x2e) continue;
    if (shape.payloadJson && !text.startsWith('eyJ', headerEnd + 1)) continue;
    const signatureEnd = runEnd(text, payloadEnd + 1);
    if (signatureEnd - payloadEnd - 1 > shape.signature) continue;
    out.push([start, signatureEnd]);
    from = signatureEnd;
  }
}

/**
 * `text` cut to at most `max` characters for scanning. When it is cut, a trailing run of
 * non-space characters is dropped too (all of the last 4,096 characters when they hold no
 * space), so a secret that straddles the cut is not left half-visible where no pattern
 * can recognise it any more. A lone high surrogate at the end is dropped as well.
 */
export function cutForScan(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const floor = Math.max(0, max - 4096);
  while (end > floor && !/\s/.test(text[end - 1]!)) end--;
  const cut = text.slice(0, end);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** `text` without its trailing `/` characters (a loop: `/\/+$/` is quadratic on a long run of slashes followed by anything else). */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 47) end--;
  return end === text.length ? text : text.slice(0, end);
}
