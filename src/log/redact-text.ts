/**
 * Hand-written scanners behind `redactString` for secrets whose extent depends on context
 * (quotes, escapes, nesting): `key=value` / `"key": "value"` pairs, passwords in URLs and
 * PEM private keys. Each is linear: every character is visited a bounded number of times,
 * and scanning resumes after whatever was masked.
 */
import { isMessageValue } from './redact-messages.ts';
import { isHeaderLikeKey, isSensitiveKey, isSignatureParameter } from '../core/secret-keys.ts';
import { isRandomToken, maskPathSecrets } from '../core/secret-path.ts';

// Longest key name looked at before a separator; a longer run is judged by its tail.
const MAX_KEY = 64;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;

function isKeyChar(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    code === 0x2d ||
    code === 0x2e ||
    isInvisible(code)
  );
}

/** Invisible characters that may sit inside a name (`pass\u200bword`): soft hyphen, zero-width space/joiners, word joiner, BOM. */
function isInvisible(code: number): boolean {
  return code === 0xad || (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0b || code === 0x0c;
}

/** End (exclusive) of the quoted string opening at `at` (`"`, `'` or JSON-escaped `\"`); the text's end when unterminated. */
export function quotedEnd(text: string, at: number): number {
  if (text.charCodeAt(at) === BACKSLASH) {
    const close = text.indexOf('\\"', at + 2);
    return close === -1 ? text.length : close + 2;
  }
  const quote = text.charCodeAt(at);
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === quote) return i + 1;
  }
  return text.length;
}

/** End of the JSON-like object or array opening at `at`, quoted strings skipped; the text's end when unbalanced. */
function nestedEnd(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = quotedEnd(text, i) - 1;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * End of a header-like value (`Authorization`, `Cookie`): the scheme and everything after it
 * on the line, quoted parameters (`response="…"`) included. It stops at a line break, `&`, a
 * backslash or quote that closes an enclosing string, and (for credentials, not cookies) `;`.
 */
function headerValueEnd(text: string, at: number, stopAtSemicolon: boolean): number {
  let lastSolid = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x26 || (stopAtSemicolon && c === 0x3b)) return i;
    if (c === QUOTE || c === BACKSLASH) {
      // A parameter's quoted value follows `=`; any other quote ends the enclosing string.
      if (lastSolid !== 0x3d || (c === BACKSLASH && text.charCodeAt(i + 1) !== QUOTE)) return i;
      i = quotedEnd(text, i) - 1;
      lastSolid = QUOTE;
    } else if (!isBlank(c)) lastSolid = c;
  }
  return text.length;
}

/** End of a plain value: up to whitespace or a list separator (`,` `}` `]` too after a quoted key). */
function plainValueEnd(text: string, at: number, jsonKey: boolean): number {
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x26 || c === 0x2c || c === 0x3b) break;
    if (jsonKey && (c === 0x7d || c === 0x5d)) break;
  }
  return i;
}

/** True when text[start, end) is a plain lower-case word (`correct`): the first word of a passphrase. */
function isPlainWord(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/** True for the characters that end a word of a multi-word value: whitespace, `,` `;` `&`, closing brackets, quotes, `<` and a backslash. */
function endsValueWord(code: number): boolean {
  return (
    isSpace(code) ||
    code === 0x2c ||
    code === 0x3b ||
    code === 0x26 ||
    code === 0x7d ||
    code === 0x5d ||
    code === 0x29 ||
    code === QUOTE ||
    code === APOSTROPHE ||
    code === 0x3c ||
    code === BACKSLASH
  );
}

/**
 * End of a value of plain words whose first word ends at `end` (`password: correct horse
 * battery staple`): the following words on the same line, up to `,` `;` `&`, a closing
 * bracket, a quote or the next `name=value`/`name:` pair. Each character is read once.
 */
function wordsValueEnd(text: string, end: number): number {
  let valueEnd = end;
  let i = end;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (i === valueEnd || i >= text.length || endsValueWord(text.charCodeAt(i))) return valueEnd;
    const start = i;
    let pair = false;
    while (i < text.length && !endsValueWord(text.charCodeAt(i))) {
      const c = text.charCodeAt(i);
      if (c === 0x3d || c === 0x3a) pair = true;
      i++;
    }
    // The next `user=ann` or `user:` starts a pair of its own.
    if (pair || i === start) return valueEnd;
    valueEnd = i;
  }
}

/**
 * Length of the key/value separator at `i`: `=` or `:`, the `=>` arrow of Perl, PHP and Ruby,
 * or percent-encoded (`%3D`, `%3A`, as in a logged form body); 0 when none.
 */
function separatorLength(text: string, i: number, c: number): number {
  if (c === 0x3d) return text.charCodeAt(i + 1) === 0x3e ? 2 : 1;
  // `:=` of Go and Pascal.
  if (c === 0x3a) return text.charCodeAt(i + 1) === 0x3d ? 2 : 1;
  if (c !== 0x25 || text.charCodeAt(i + 1) !== 0x33) return 0;
  const d = text.charCodeAt(i + 2) | 0x20;
  return d === 0x64 || d === 0x61 ? 3 : 0;
}

/**
 * The sensitive key whose separator is at `sep`, with how it was quoted, or undefined. After
 * `=` (`equals`) a signature parameter counts too (`sig=…`, `Signature=…` of a signed URL).
 */
function keyBefore(text: string, sep: number, equals: boolean): { key: string; quote: string } | undefined {
  let j = sep - 1;
  while (j >= 0 && sep - j <= 8 && isBlank(text.charCodeAt(j))) j--;
  let quote = '';
  const q = text.charCodeAt(j);
  if (q === QUOTE || q === APOSTROPHE) {
    j--;
    quote = text.charCodeAt(j) === BACKSLASH && q === QUOTE ? '\\"' : String.fromCharCode(q);
    if (quote === '\\"') j--;
  }
  let k = j;
  while (k >= 0 && j - k < MAX_KEY && isKeyChar(text.charCodeAt(k))) k--;
  if (k === j) return undefined;
  const key = text.slice(k + 1, j + 1);
  if (!isSensitiveKey(key) && !(equals && quote === '' && isSignatureParameter(key))) return undefined;
  return quote === '' && insideRandomToken(text, k, j + 1) ? undefined : { key, quote };
}

/** Characters of a token scanned back from a key, at most (a random token is judged on its last part). */
const MAX_TOKEN_LOOKBACK = 128;

/**
 * True when the bare key text(before, end) is the tail of a random base64 token:
 * `…VvaapPwdVrYQ== rejected` reads as key `…Pwd…`, `=`, value `rejected`, but that "key" is
 * part of a secret, not a name, and the word after it is not a value.
 */
function insideRandomToken(text: string, before: number, end: number): boolean {
  let start = before;
  while (start >= 0 && end - start <= MAX_TOKEN_LOOKBACK) {
    const code = text.charCodeAt(start);
    if (!isKeyChar(code) && code !== 0x2b && code !== 0x2f) break;
    start--;
  }
  return isRandomToken(text, start + 1, end);
}

/**
 * Mask the values of sensitive keys in text: `password=…` (also `password%3D…`), `token: …`, `"privateKey":"…"`
 * (also JSON escaped inside JSON), `Authorization: <any scheme> <credentials>`, `Cookie: …`.
 * The key (by the same rule as object keys) and separator stay, the value becomes `mask`;
 * a quoted key keeps its value quoted so JSON stays JSON.
 */
export function maskKeyValues(text: string, mask: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const length = separatorLength(text, i, c);
    if (length === 0) continue;
    const found = keyBefore(text, i, c === 0x3d || (c === 0x25 && (text.charCodeAt(i + 2) | 0x20) === 0x64));
    if (found === undefined) continue;
    // A bare `session:` label heads rampart's own session messages ("session: cookie signature invalid").
    if (c === 0x3a && found.quote === '' && found.key.toLowerCase() === 'session') continue;
    let v = i + length;
    while (v < text.length && isBlank(text.charCodeAt(v))) v++;
    if (v >= text.length) break;
    // `password: too short`, `pin: 4 digits required`: a message after a label, not a value.
    if (c === 0x3a && length === 1 && found.quote === '' && isMessageValue(text, v)) continue;
    const first = text.charCodeAt(v);
    let end: number;
    let masked = mask;
    if (first === QUOTE || first === APOSTROPHE || (first === BACKSLASH && text.charCodeAt(v + 1) === QUOTE)) {
      end = quotedEnd(text, v);
      if (found.quote !== '') masked = first === BACKSLASH ? `\\"${mask}\\"` : `${String.fromCharCode(first)}${mask}${String.fromCharCode(first)}`;
    } else if (found.quote !== '' && (first === 0x7b || first === 0x5b)) {
      end = nestedEnd(text, v);
      masked = `${found.quote}${mask}${found.quote}`;
    } else if (isHeaderLikeKey(found.key)) {
      end = headerValueEnd(text, v, !found.key.toLowerCase().includes('cookie'));
      while (end > v && isBlank(text.charCodeAt(end - 1))) end--;
    } else {
      end = plainValueEnd(text, v, found.quote !== '');
      // After a quoted key the value was a number, literal or bare word; a quoted mask keeps JSON valid.
      if (found.quote !== '') masked = `${found.quote}${mask}${found.quote}`;
      else if (isPlainWord(text, v, end)) end = wordsValueEnd(text, end);
    }
    if (end <= v) continue;
    out += text.slice(last, v) + masked;
    last = end;
    i = end - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Mask the password of every `scheme://user:password@host` in text (`postgres://app:***@db`). */
export function maskUrlPasswords(text: string, mask: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const scheme = text.indexOf('://', from);
    if (scheme === -1) break;
    const start = scheme + 3;
    let at = -1;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // Authority ends at `/ ? #`, whitespace, quotes, `<>` or a backslash; the last `@` before that ends the user info.
      if (c === 0x2f || c === 0x3f || c === 0x23 || isSpace(c) || c === QUOTE || c === APOSTROPHE || c === 0x3c || c === 0x3e || c === BACKSLASH) break;
      if (c === 0x40) at = i;
    }
    from = i;
    if (at === -1) continue;
    const colon = text.indexOf(':', start);
    if (colon === -1 || colon >= at - 1) continue;
    out += text.slice(last, colon + 1) + mask;
    last = at;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** True for the characters that end a URL inside text: whitespace, quotes, `<`, `>`, a backslash (JSON escapes) and a backtick. */
function endsUrl(code: number): boolean {
  return isSpace(code) || code === QUOTE || code === APOSTROPHE || code === 0x3c || code === 0x3e || code === BACKSLASH || code === 0x60;
}

/**
 * Mask the secrets in the path, query and fragment of every `scheme://…` URL in text by the
 * path rule (`maskPathSecrets`): `document=https://app.example/reset-password/***` in a CSP
 * report. Each URL is scanned once and scanning resumes after it.
 */
export function maskUrlPaths(text: string, mask: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const scheme = text.indexOf('://', from);
    if (scheme === -1) break;
    const start = scheme + 3;
    let end = start;
    while (end < text.length && !endsUrl(text.charCodeAt(end))) end++;
    from = end;
    if (end === start) continue;
    const url = text.slice(start, end);
    const masked = maskPathSecrets(url, mask);
    if (masked === url) continue;
    out += text.slice(last, start) + masked;
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

// PEM private keys: one scanner shared with findPii (src/core/private-keys.ts).
export { maskPrivateKeys } from '../core/private-keys.ts';
