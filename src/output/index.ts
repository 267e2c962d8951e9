/**
 * Output-safety helpers for server-rendered HTML (the seed's XSS section): escape text
 * for HTML bodies and quoted attributes, and embed data in an inline `<script>`.
 */
import { RampartError } from '../errors.ts';

const HTML_SPECIAL = /[&<>"']/;

/**
 * Escape a value for HTML text or a quoted attribute value: `&`, `<`, `>`, `"` and `'`
 * become entities. Strings without any of them are returned as-is (no allocation).
 * Numbers, booleans and bigints are stringified; `null`/`undefined` become ''. Objects,
 * functions and symbols throw ERR_RAMPART_OUTPUT_VALUE: `[object Object]` in a page is
 * always a bug, so convert explicitly.
 *
 * Not for unquoted attributes, URLs (`href`), CSS or JavaScript contexts: use
 * {@link jsonForScript} for data in scripts and validate URLs separately.
 *
 * @example
 * `<p title="${escapeHtml(name)}">${escapeHtml(comment)}</p>`
 */
export function escapeHtml(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  else if (value === null || value === undefined) return '';
  else {
    throw new RampartError(
      'ERR_RAMPART_OUTPUT_VALUE',
      `escapeHtml() takes a string, number or boolean (got ${typeof value}); convert the value to text explicitly.`,
    );
  }
  if (!HTML_SPECIAL.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    let entity: string;
    switch (text.charCodeAt(i)) {
      case 38:
        entity = '&amp;';
        break;
      case 60:
        entity = '&lt;';
        break;
      case 62:
        entity = '&gt;';
        break;
      case 34:
        entity = '&quot;';
        break;
      case 39:
        entity = '&#39;';
        break;
      default:
        continue;
    }
    out += text.slice(last, i) + entity;
    last = i + 1;
  }
  return out + text.slice(last);
}

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;
const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function outputError(message: string, cause?: unknown): RampartError {
  return new RampartError('ERR_RAMPART_OUTPUT_VALUE', message, cause === undefined ? undefined : { cause });
}

/** Rejects what JSON.stringify would silently drop or change (called after toJSON). */
function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  const where = key === '' ? 'the value' : `property ${JSON.stringify(key)}`;
  switch (typeof value) {
    case 'undefined':
      throw outputError(`jsonForScript(): ${where} is undefined, which JSON cannot represent; use null or omit the key.`);
    case 'function':
      throw outputError(`jsonForScript(): ${where} is a function, which JSON cannot represent.`);
    case 'symbol':
      throw outputError(`jsonForScript(): ${where} is a symbol, which JSON cannot represent.`);
    case 'bigint':
      throw outputError(`jsonForScript(): ${where} is a BigInt; convert it to a string or number first.`);
    case 'number':
      if (!Number.isFinite(value)) throw outputError(`jsonForScript(): ${where} is ${value}, which JSON would turn into null.`);
      return value;
    case 'object':
      if (value instanceof Map || value instanceof Set) {
        throw outputError(
          `jsonForScript(): ${where} is a ${value instanceof Map ? 'Map' : 'Set'}, which JSON turns into {}; convert it with Object.fromEntries() or [...set].`,
        );
      }
      return value;
    default:
      return value;
  }
}

/**
 * Serialise `value` as JSON that is safe to place inside an inline `<script>` element:
 * `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX` escapes, so neither
 * `</script>`, `<!--` nor a line separator can end the script or change its meaning.
 * The result is still valid JSON and a valid JavaScript expression.
 *
 * Throws ERR_RAMPART_OUTPUT_VALUE for values JSON cannot represent faithfully:
 * `undefined`, functions, symbols, BigInt, NaN/Infinity, Map/Set and cycles.
 *
 * @example
 * `<script>const data = ${jsonForScript(data)};</script>`
 */
export function jsonForScript(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value, strictReplacer);
  } catch (error) {
    if (error instanceof RampartError) throw error;
    const cyclic = error instanceof TypeError && /circular/i.test(error.message);
    throw outputError(
      cyclic
        ? 'jsonForScript(): the value contains a cycle (an object that refers to itself).'
        : 'jsonForScript(): the value could not be serialised (too deeply nested or a failing toJSON()).',
      error,
    );
  }
  return json.replace(SCRIPT_UNSAFE, (ch) => SCRIPT_ESCAPES[ch]!);
}

// Characters that change how text around them is displayed or split into lines, or that
// display as nothing: every control (Cc: C0, DEL, C1 — ESC starts terminal sequences, NEL
// breaks lines), every format character (Cf: bidi marks, embeddings, overrides and
// isolates, zero-width characters, the soft hyphen, invisible operators, U+FEFF, TAG
// characters U+E0000–E007F that can spell a hidden string, musical format controls),
// line and paragraph separators (Zl, Zp), lone surrogates (Cs: not encodable as UTF-8),
// and letters or marks that render blank: Hangul fillers, the combining grapheme joiner,
// variation selectors, U+2800 (blank braille pattern).
// One character class, no quantifier: linear on any input. Built on first use: a /u class of
// Unicode properties costs V8 about 5 M instructions to parse (ICU builds the sets), a
// twentieth of what `await import('rampart')` costs in all.
const NOT_INERT_CLASS = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\u034f\\u115f\\u1160\\u180b-\\u180f\\u2800\\u3164\\ufe00-\\ufe0f\\uffa0\\u{e0100}-\\u{e01ef}]';
let notInert: { all: RegExp; test: RegExp } | undefined;
const notInertRe = (): { all: RegExp; test: RegExp } => (notInert ??= { all: new RegExp(NOT_INERT_CLASS, 'gu'), test: new RegExp(NOT_INERT_CLASS, 'u') });

const hex = (code: number, width: number): string => code.toString(16).padStart(width, '0');

/**
 * Make text inert for a terminal or a line-oriented format (syslog, CEF, a table): every
 * control character, line or paragraph separator, bidi control, zero-width or invisible
 * format character and lone surrogate becomes a visible escape — `\xNN` below U+0100
 * (`\x1b`, `\x0a`, `\x85`), `\uNNNN` above (`\u202e`, `\u2028`). Printable text, including
 * non-Latin scripts and emoji, is unchanged; strings without such characters are returned
 * as-is. The result never contains a raw control, so it cannot move the cursor, colour the
 * terminal, reorder what follows or start a new line. Idempotent. The escapes are for
 * display: a backslash already in the text is not doubled, so the mapping is not reversible.
 *
 * rampart uses it wherever stored text leaves it: `rampart log`, the CEF and syslog exports
 * and the dashboard (which HTML-escapes the result as well).
 *
 * @example
 * inertText('admin\u202egnp.exe'); // 'admin\\u202egnp.exe'
 */
export function inertText(text: string): string {
  const re = notInertRe();
  if (!re.test.test(text)) return text;
  return text.replace(re.all, (c) => {
    const code = c.codePointAt(0)!;
    return code < 0x100 ? `\\x${hex(code, 2)}` : code <= 0xffff ? `\\u${hex(code, 4)}` : `\\u{${hex(code, 5)}}`;
  });
}

/**
 * Make JSON text inert for a terminal or a JSON-lines file: the characters {@link inertText}
 * escapes are written as JSON `\uNNNN` escapes. The result is the same JSON value (it parses
 * back to exactly what was serialised), but the line itself holds only inert characters.
 * `json` must be the output of `JSON.stringify` (those characters can only occur inside its
 * strings).
 *
 * @example
 * process.stdout.write(inertJson(JSON.stringify(row)) + '\n');
 */
export function inertJson(json: string): string {
  const re = notInertRe();
  if (!re.test.test(json)) return json;
  // A supplementary character (a TAG, a variation selector supplement) is written as its
  // surrogate pair of escapes, which JSON reads back as the same character.
  return json.replace(re.all, (c) => (c.length === 1 ? `\\u${hex(c.charCodeAt(0), 4)}` : `\\u${hex(c.charCodeAt(0), 4)}\\u${hex(c.charCodeAt(1), 4)}`));
}
