/**
 * Constant member names for `rampart lint`: the key of `obj[…]` or `{ […]: v }` when it is a
 * string known without running the code — literals and templates without `${…}`, joined with
 * `+` or `.concat(…)`, in any parentheses (`globalThis['ev' + 'al']`, `el[\`inner\` + 'HTML']`).
 * The fold reads a bounded number of tokens and keeps no stack, so hostile nesting stays linear.
 */
import type { Token } from './lint-lexer.ts';

/** How many tokens of a computed key are read before giving up. */
const MAX_KEY_TOKENS = 64;
/** Longer names are none the rules look for. */
const MAX_KEY_LENGTH = 64;

/** A folded key: its value, and the index of the `]` that closes it. */
export interface FoldedKey {
  value: string;
  close: number;
}

/**
 * The constant string between the `[` at `open` and its `]`, or undefined when any piece is not
 * a literal (a variable, a call other than `.concat`, a template with `${…}`) or the key is long.
 * Only concatenation is folded, so the value is the literals' text in source order.
 */
export function foldedKey(tokens: readonly Token[], open: number): FoldedKey | undefined {
  let value = '';
  let depth = 0;
  // Whether the previous token ended an operand (a literal or a `)`): `+` and `.concat` need one.
  let afterOperand = false;
  const end = Math.min(tokens.length, open + 1 + MAX_KEY_TOKENS);
  for (let j = open + 1; j < end; j++) {
    const t = tokens[j]!;
    if (t.kind === 'string' || (t.kind === 'template' && !t.interpolated)) {
      if (afterOperand) return undefined;
      const piece = decodeEscapes(t.text);
      if (piece === undefined || value.length + piece.length > MAX_KEY_LENGTH) return undefined;
      value += piece;
      afterOperand = true;
      continue;
    }
    if (t.kind !== 'punct') {
      // `'ev'.concat('al')`: the method name, right after the `.` that follows an operand.
      if (t.kind === 'ident' && t.text === 'concat' && tokens[j - 1]?.text === '.' && tokens[j + 1]?.text === '(') continue;
      return undefined;
    }
    if (t.text === '(') {
      if (afterOperand) return undefined;
      depth++;
      afterOperand = false;
    } else if (t.text === ')') {
      if (depth === 0 || !afterOperand) return undefined;
      depth--;
    } else if (t.text === '+' || t.text === '.') {
      if (!afterOperand) return undefined;
      if (t.text === '.' && tokens[j + 1]?.text !== 'concat') return undefined;
      afterOperand = false;
    } else if (t.text === ']') {
      return depth === 0 && afterOperand ? { value, close: j } : undefined;
    } else return undefined;
  }
  return undefined;
}

const SINGLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };

/**
 * The value of a literal's raw text (`\x65val` → `eval`): hex, Unicode and single-character
 * escapes; a backslash before a line end continues the line. Undefined for a malformed escape.
 */
export function decodeEscapes(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    if (e === undefined) return undefined;
    let hex: string | undefined;
    let digits = 0;
    if (e === 'x') {
      hex = raw.slice(i + 1, i + 3);
      digits = 2;
      i += 2;
    } else if (e === 'u' && raw[i + 1] === '{') {
      const close = raw.indexOf('}', i);
      if (close === -1 || close - i > 8) return undefined;
      hex = raw.slice(i + 2, close);
      digits = hex.length;
      i = close;
    } else if (e === 'u') {
      hex = raw.slice(i + 1, i + 5);
      digits = 4;
      i += 4;
    }
    if (hex !== undefined) {
      if (hex.length !== digits || !/^[0-9a-f]{1,6}$/i.test(hex) || Number.parseInt(hex, 16) > 0x10ffff) return undefined;
      out += String.fromCodePoint(Number.parseInt(hex, 16));
    } else if (e === '\n') {
      // line continuation
    } else out += SINGLE_ESCAPES[e] ?? e;
  }
  return out;
}
