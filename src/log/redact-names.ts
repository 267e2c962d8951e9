/**
 * Scanners behind `redactString` for secret names that free text writes without a `=` or `:`:
 * a password word followed by its value (`wrong password hunter2`) and the content of an
 * XML/HTML element with a sensitive name (`<password>hunter2</password>`). Both are linear:
 * every character is read a bounded number of times and scanning resumes after what was masked.
 */
import { isSensitiveKey, isSpokenSecretName } from '../core/secret-keys.ts';
import { isMessageValue } from './redact-messages.ts';
import { quotedEnd } from './redact-text.ts';

/** Every name {@link isSpokenSecretName} accepts holds one of these. Global: `lastIndex` is reset by each (synchronous) scan. */
const SPOKEN_FRAGMENTS = /pass|pwd|sess/gi;
/** Longest name looked at (as the key=value scanner). */
const MAX_NAME = 64;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const LESS = 0x3c;
const GREATER = 0x3e;
const SLASH = 0x2f;
const COLON = 0x3a;
const CDATA_OPEN = '<![CDATA[';
/** Opening backtick and typographic quotes, with the character that closes each. */
const CLOSING_QUOTES = new Map<number, string>([
  [0x60, '`'],
  [0x2018, '\u2019'],
  [0x201c, '\u201d'],
  [0xab, '\u00bb'],
]);
const CDATA_CLOSE = ']]>';

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
/** A character of a word or a name: letters, digits, `_ - .`. */
function isWordChar(code: number): boolean {
  return isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2d || code === 0x2e;
}
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
function isSpace(code: number): boolean {
  return isBlank(code) || code === 0x0a || code === 0x0d || code === 0x0b || code === 0x0c;
}
/** Punctuation that ends a sentence or a list item after a value (`… is hunter2.`); `!` and `?` stay in it, as passwords hold them. */
function isTrailingPunctuation(code: number): boolean {
  return code === 0x2e || code === 0x2c || code === 0x3b || code === COLON;
}

/** End of a value written after a name in prose: up to whitespace, a quote, a backslash (a JSON escape), `<`, `>` or a backtick. */
function spokenValueEnd(text: string, at: number): number {
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === QUOTE || c === APOSTROPHE || c === BACKSLASH || c === LESS || c === GREATER || c === 0x60) break;
  }
  while (i > at && isTrailingPunctuation(text.charCodeAt(i - 1))) i--;
  return i;
}

/**
 * True when text[start, end) reads as a value rather than a word of the sentence: it holds a
 * digit, a symbol or an upper-case letter after its first character (`hunter2`, `X9kq-2`,
 * `Tr0ub4dor&3`). Plain words (`mismatch`, `Must`), error codes (`ERR_…`) and the next
 * `name=value` pair stay.
 */
function looksLikeValue(text: string, start: number, end: number): boolean {
  if (text.startsWith('ERR_', start)) return false;
  // `in=body.password score=26`: the next word is the next pair, not a value.
  let name = start;
  while (name < end && isWordChar(text.charCodeAt(name))) name++;
  if (name > start && name < end && (text.charCodeAt(name) === 0x3d || text.charCodeAt(name) === COLON)) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || (c >= 0x61 && c <= 0x7a)) continue;
    if (c >= 0x41 && c <= 0x5a && i === start) continue;
    return true;
  }
  return false;
}

/** Where a value after a spoken name starts: past blanks and one linking `is`/`was`; -1 when no blank follows the name. */
function spokenValueStart(text: string, end: number): number {
  let v = end;
  while (v < text.length && isBlank(text.charCodeAt(v))) v++;
  if (v === end) return -1;
  for (const link of ['is', 'was']) {
    const after = v + link.length;
    // `is hunter2`, and `is: hunter2`.
    const colon = text.charCodeAt(after) === COLON ? 1 : 0;
    if (text.startsWith(link, v) && after + colon < text.length && isBlank(text.charCodeAt(after + colon))) {
      v = after + colon;
      while (v < text.length && isBlank(text.charCodeAt(v))) v++;
      return v;
    }
  }
  return v;
}

/**
 * Mask the value that prose writes after a password or session-id word with only a space (and
 * maybe `is`/`was`) between: `wrong password hunter2` → `wrong password ***`, `passphrase
 * "correct horse"` → `passphrase "***"`, `jsessionid 1A2B3C` → `jsessionid ***`. A quoted value
 * is masked whole (to the end of the text when unterminated); an unquoted one when it does not
 * read as a word (see {@link looksLikeValue}), so `password mismatch` and `password reset
 * requested` stay.
 */
export function maskSpacedValues(text: string, mask: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  // Jump from one fragment that every spoken name holds to the next (most words hold none),
  // then read the word around it once: scanning resumes after that word or the masked value.
  const fragments = SPOKEN_FRAGMENTS;
  fragments.lastIndex = 0;
  for (let found = fragments.exec(text); found !== null; found = fragments.exec(text)) {
    let start = found.index;
    while (start > last && isWordChar(text.charCodeAt(start - 1))) start--;
    let end = found.index + found[0].length;
    while (end < n && isWordChar(text.charCodeAt(end))) end++;
    fragments.lastIndex = end;
    // A name ends with a letter: `password.` ends a sentence, its next word is not a value.
    if (end - start < 3 || end - start > MAX_NAME || !isLetter(text.charCodeAt(end - 1))) continue;
    if (!isSpokenSecretName(text.slice(start, end))) continue;
    const v = spokenValueStart(text, end);
    if (v === -1 || v >= n) continue;
    const first = text.charCodeAt(v);
    // `password => …`, `password = …`: a separator, whose pair the key=value scanner judged.
    if (first === 0x3d || first === COLON) continue;
    // Backticks and typographic quotes (`hunter2`, ‘hunter2’, “correct horse”, «…»): masked inside, to the end when unclosed.
    const closer = CLOSING_QUOTES.get(first);
    if (closer !== undefined) {
      const close = text.indexOf(closer, v + 1);
      const contentEnd = close === -1 ? n : close;
      if (contentEnd <= v + 1) continue;
      out += text.slice(last, v + 1) + mask;
      last = contentEnd;
      if (close === -1) break;
      fragments.lastIndex = close + 1;
      continue;
    }
    if (first === QUOTE || first === APOSTROPHE || (first === BACKSLASH && text.charCodeAt(v + 1) === QUOTE)) {
      const quote = first === BACKSLASH ? 2 : 1;
      const close = quotedEnd(text, v);
      const closed = close - v >= 2 * quote && (close < n || text.charCodeAt(close - 1) === QUOTE);
      const contentEnd = closed ? close - quote : n;
      if (contentEnd <= v + quote) continue;
      out += text.slice(last, v + quote) + mask;
      last = contentEnd;
      if (!closed) break;
      fragments.lastIndex = close;
      continue;
    }
    const valueEnd = spokenValueEnd(text, v);
    if (valueEnd <= v || !looksLikeValue(text, v, valueEnd) || isMessageValue(text, v)) continue;
    out += text.slice(last, v) + mask;
    last = valueEnd;
    fragments.lastIndex = valueEnd;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A character of an XML name: letters, digits, `_ - . :`. */
function isNameChar(code: number): boolean {
  return isWordChar(code) || code === COLON;
}

/**
 * Mask the text content of every XML/HTML element whose name is sensitive by the key rule
 * (`<password>`, `<apiKey>`, `<ns:client_secret type="x">`; the local name after a namespace
 * prefix is judged): `<password>hunter2</password>` → `<password>***</password>`. Blanks around
 * the content stay; a CDATA section is masked inside its markers (to the end of the text when
 * unterminated). Everything up to the matching end tag is content, child elements and comments
 * included (`<password><value>hunter2</value></password>` → `<password>***</password>`); with no
 * end tag, the content runs to the end of the text.
 */
export function maskElementValues(text: string, mask: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  let from = 0;
  for (;;) {
    const open = text.indexOf('<', from);
    if (open === -1) break;
    let i = open + 1;
    let local = i;
    while (i < n && isNameChar(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === COLON) local = i + 1;
      i++;
    }
    from = i;
    if (local === i || i - open - 1 > MAX_NAME) continue;
    // The rest of the tag (attributes) runs to `>`; a `<` first means this was no tag.
    let close = i;
    while (close < n && text.charCodeAt(close) !== GREATER && text.charCodeAt(close) !== LESS) close++;
    from = close;
    if (close >= n || text.charCodeAt(close) === LESS) continue;
    from = close + 1;
    if (text.charCodeAt(close - 1) === SLASH || !isSensitiveKey(text.slice(local, i))) continue;
    let start = close + 1;
    // The content runs to the matching end tag (the same name) or, when there is none, to the end.
    const endTag = matchingEndTag(text, start, text.slice(open + 1, i));
    let end = endTag === -1 ? n : endTag;
    from = endTag === -1 ? n : endTag + 2;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    // Content that is one CDATA section keeps its markers (`<![CDATA[***]]>`).
    if (text.startsWith(CDATA_OPEN, start)) {
      const cdataEnd = text.indexOf(CDATA_CLOSE, start + CDATA_OPEN.length);
      if (cdataEnd === -1 || cdataEnd >= end) {
        start += CDATA_OPEN.length;
        end = n;
        from = n;
      } else if (cdataEnd + CDATA_CLOSE.length === end) {
        start += CDATA_OPEN.length;
        end = cdataEnd;
      }
    }
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    if (end <= start) {
      if (endTag === -1) break;
      continue;
    }
    out += text.slice(last, start) + mask;
    last = end;
    if (endTag === -1) break;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Index of the first `</name>` (blanks allowed before `>`) at or after `from`, or -1. Every
 * character is searched once: each miss resumes after the `</name` it found.
 */
function matchingEndTag(text: string, from: number, name: string): number {
  const tag = `</${name}`;
  let at = text.indexOf(tag, from);
  while (at !== -1) {
    let i = at + tag.length;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === GREATER) return at;
    at = text.indexOf(tag, at + tag.length);
  }
  return -1;
}
