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

/** Names declared `const NAME = <constant string>` so far in the file, with their values. */
export type Constants = ReadonlyMap<string, string>;

/**
 * The constant string between the `[` at `open` and its `]`, or undefined when any piece is not
 * a literal or a known constant (a variable, a call other than `.concat`, a template with
 * `${…}`) or the key is long.
 */
export function foldedKey(tokens: readonly Token[], open: number, constants?: Constants): FoldedKey | undefined {
  const folded = foldFrom(tokens, open + 1, constants);
  return folded !== undefined && tokens[folded.end]?.text === ']' ? { value: folded.value, close: folded.end } : undefined;
}

/**
 * Fold the expression starting at `from`: literals, templates without `${…}` and names in
 * `constants`, joined with `+` or `.concat(…)`, in any parentheses. Only concatenation is
 * folded, so the value is the pieces' text in source order. `end` is the index of the token that
 * ends the expression (`]`, `)`, `;`, `,`, `}`, a new line, or the end of the file).
 */
export function foldFrom(tokens: readonly Token[], from: number, constants?: Constants): { value: string; end: number } | undefined {
  let value = '';
  let depth = 0;
  // Whether the previous token ended an operand (a literal or a `)`): `+` and `.concat` need one.
  let afterOperand = false;
  const end = Math.min(tokens.length, from + MAX_KEY_TOKENS);
  for (let j = from; j < end; j++) {
    const t = tokens[j]!;
    if (afterOperand && depth === 0) {
      if (t.kind === 'punct' && ENDS.has(t.text)) return { value, end: j };
      // A line break after a complete operand ends the statement unless an operator continues it.
      if (t.line > tokens[j - 1]!.line && t.text !== '+' && t.text !== '.') return { value, end: j };
    }
    let piece: string | undefined;
    if (t.kind === 'string' || (t.kind === 'template' && !t.interpolated)) piece = decodeEscapes(t.text);
    else if (t.kind === 'ident' && constants !== undefined && tokens[j - 1]?.text !== '.' && tokens[j - 1]?.text !== '?.') piece = constants.get(t.text);
    if (piece !== undefined) {
      if (afterOperand || value.length + piece.length > MAX_KEY_LENGTH) return undefined;
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
    } else if (t.text === ')') {
      if (depth === 0 || !afterOperand) return undefined;
      depth--;
    } else if (t.text === '+' || t.text === '.') {
      if (!afterOperand) return undefined;
      if (t.text === '.' && tokens[j + 1]?.text !== 'concat') return undefined;
      afterOperand = false;
    } else return undefined;
  }
  return afterOperand && depth === 0 && end === tokens.length ? { value, end } : undefined;
}

// Tokens that end a folded expression at its top level.
const ENDS: ReadonlySet<string> = new Set([']', ')', ';', ',', '}']);

/** How many constants one file may declare before later ones are ignored (memory stays bounded). */
const MAX_CONSTANTS = 10_000;

/**
 * Record the declarations of the `const`/`let`/`var` at `at`: `const k = 'ev' + 'al', j = k`
 * adds k and j; any other declaration of a name (not constant, or `let`/`var`) forgets it, so a
 * name reused in another scope is not taken for the first one's value.
 */
export function declareConstants(tokens: readonly Token[], at: number, constants: Map<string, string>): void {
  const keyword = tokens[at]!.text;
  let j = at + 1;
  // Bounded: one fold (at most MAX_KEY_TOKENS tokens) per declarator, at most 16 declarators.
  for (let n = 0; n < 16; n++) {
    const name = tokens[j];
    if (name?.kind !== 'ident' || tokens[j + 1]?.text !== '=') return;
    const folded = keyword === 'const' ? foldFrom(tokens, j + 2, constants) : undefined;
    if (folded === undefined) {
      constants.delete(name.text);
      return;
    }
    if (constants.size < MAX_CONSTANTS || constants.has(name.text)) constants.set(name.text, folded.value);
    if (tokens[folded.end]?.text !== ',') return;
    j = folded.end + 1;
  }
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
