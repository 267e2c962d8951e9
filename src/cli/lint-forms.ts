/**
 * Other spellings of "a string built from pieces" and of the string-to-code sinks, for
 * `rampart lint`'s rules: `String.raw` (a tag that only concatenates), `'…'.concat(x)`,
 * `[…, '…', x].join(…)`, `globalThis.eval`, and request data handed to a timer. Each test is
 * a bounded number of token look-ups, so a scan stays linear in the file size.
 */
import type { Token } from './lint-lexer.ts';

/** How far past an array element the closing `]` of a joined array is looked for. */
const JOIN_SCAN = 100;

/** Objects whose `eval` / `setTimeout` are the global ones. */
export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'window', 'self', 'global']);

// Request data read straight into a timer's first argument (`setTimeout(req.body.code)`).
const REQUEST_VALUE = /^(?:req|request|ctx)(?:\.req)?\.(?:body|query|params|headers|cookies|searchParams)\b|^(?:body|query|params|searchParams)[.[]/;

/** True when the template at `at` is tagged `String.raw`, which interpolates like an untagged template. */
export function isStringRawTag(tokens: readonly Token[], at: number): boolean {
  return tokens[at - 1]?.text === 'raw' && tokens[at - 2]?.text === '.' && tokens[at - 3]?.text === 'String';
}

/** The template's index when `at` starts `String.raw\`…\``, else `at`. */
export function skipStringRaw(tokens: readonly Token[], at: number): number {
  return tokens[at]?.text === 'String' && tokens[at + 1]?.text === '.' && tokens[at + 2]?.text === 'raw' && tokens[at + 3]?.kind === 'template' ? at + 3 : at;
}

/**
 * For the string or template at `at` followed by `.concat(`, the index of the first argument;
 * -1 otherwise, and for a literal argument (`'… = '.concat('$1')` adds no value).
 */
export function concatArgument(tokens: readonly Token[], at: number): number {
  if (tokens[at + 1]?.text !== '.' || tokens[at + 2]?.text !== 'concat' || tokens[at + 3]?.text !== '(') return -1;
  const first = tokens[at + 4];
  const literal = first !== undefined && (first.kind === 'string' || (first.kind === 'template' && !first.interpolated));
  return literal && tokens[at + 5]?.text === ')' ? -1 : at + 4;
}

/**
 * True when the token at `at` is an element of an array literal (`[` or `,` before it) that
 * closes, within a bounded look-ahead, with `].join(`: the array's pieces become one string.
 */
export function inJoinedArray(tokens: readonly Token[], at: number): boolean {
  const before = tokens[at - 1]?.text;
  if (before !== '[' && before !== ',') return false;
  let depth = 0;
  for (let j = at + 1; j < tokens.length && j <= at + JOIN_SCAN; j++) {
    const t = tokens[j]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === '}' || t.text === ']') {
      if (depth > 0) {
        depth--;
        continue;
      }
      return t.text === ']' && tokens[j + 1]?.text === '.' && tokens[j + 2]?.text === 'join' && tokens[j + 3]?.text === '(';
    } else if (t.text === ';') return false;
  }
  return false;
}

/** The indexes of the top-level elements of the array literal opened at `open`, while it lasts (bounded). */
export function arrayElements(tokens: readonly Token[], open: number): number[] {
  const starts = [open + 1];
  let depth = 0;
  for (let j = open + 1; j < tokens.length && j <= open + JOIN_SCAN; j++) {
    const text = tokens[j]!.kind === 'punct' ? tokens[j]!.text : '';
    if (text === '(' || text === '[' || text === '{') depth++;
    else if (text === ')' || text === '}' || text === ']') {
      if (depth === 0) break;
      depth--;
    } else if (text === ',' && depth === 0) starts.push(j + 1);
  }
  return starts;
}

/** How far back the `(` of a parenthesised receiver (`(globalThis as any)`) is looked for. */
const RECEIVER_SCAN = 8;

/**
 * True when the receiver ending at `at` (the token before `.eval` or `['eval']`) is the global
 * object: `globalThis`, `window`, `self`, `global`, or one of them in parentheses with a cast
 * (`(globalThis as any)`).
 */
export function isGlobalReceiver(tokens: readonly Token[], at: number): boolean {
  const t = tokens[at];
  if (t === undefined) return false;
  if (t.kind === 'ident') return GLOBAL_OBJECTS.has(t.text) && tokens[at - 1]?.text !== '.' && tokens[at - 1]?.text !== '?.';
  if (t.text !== ')') return false;
  for (let j = at - 1; j >= 0 && j >= at - RECEIVER_SCAN; j--) {
    const u = tokens[j]!;
    if (u.text === ')' || u.text === ';') return false;
    if (u.text === '(') {
      const first = tokens[j + 1];
      return first !== undefined && first.kind === 'ident' && GLOBAL_OBJECTS.has(first.text);
    }
  }
  return false;
}

/** True when a timer's first argument (its source text) reads request data. */
export function readsRequestValue(expression: string): boolean {
  return REQUEST_VALUE.test(expression);
}

/** A string literal or a template without `${…}`: `'innerHTML'`, `` `innerHTML` ``. */
export function isPlainString(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'string' || (t.kind === 'template' && !t.interpolated));
}

/** `false`, `0`, `!1` or `!true` at `at`: the values that turn `rejectUnauthorized` off. */
export function isFalseValue(tokens: readonly Token[], at: number): boolean {
  const t = tokens[at];
  if (t === undefined) return false;
  if (t.text === 'false' || (t.kind === 'number' && t.text === '0')) return true;
  return t.text === '!' && (tokens[at + 1]?.text === '1' || tokens[at + 1]?.text === 'true');
}

// How far a destructuring pattern is followed to its closing brace.
const PATTERN_SCAN = 64;

/** The key at `at` sits in a pattern destructured from the global object: `const { eval: run } = globalThis`. */
export function destructuredFromGlobal(tokens: readonly Token[], at: number): boolean {
  let depth = 0;
  for (let j = at; j < tokens.length && j < at + PATTERN_SCAN; j++) {
    const text = tokens[j]!.kind === 'punct' ? tokens[j]!.text : '';
    if (text === '{' || text === '[' || text === '(') depth++;
    else if (text === ')' || text === ']' || text === ';') {
      if (depth === 0) return false;
      depth--;
    } else if (text === '}') {
      if (depth === 0) return tokens[j + 1]?.text === '=' && isGlobalReceiver(tokens, j + 2) && !['.', '?.', '['].includes(tokens[j + 3]?.text ?? '');
      depth--;
    }
  }
  return false;
}
