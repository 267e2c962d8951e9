/**
 * Less common routes to `rampart lint`'s sinks: the Function constructor reached through a
 * `constructor` property (`Function.prototype.constructor(code)`, `[].constructor.constructor`,
 * `(async () => {}).constructor`), and markup properties set through
 * `Object.assign(el, { innerHTML: … })`. Every look is a bounded number of tokens.
 */
import { type Constants, foldedKey } from './lint-constant.ts';
import type { Token } from './lint-lexer.ts';
import { isGlobalReceiver } from './lint-forms.ts';

/** Properties whose assignment parses markup: DOM XSS sinks. */
export const MARKUP_PROPERTIES: ReadonlySet<string> = new Set(['innerHTML', 'outerHTML', 'srcdoc']);

/** How far back the `(` of a parenthesised receiver (`(async () => {})`) is looked for. */
const RECEIVER_SCAN = 32;
/** How many tokens of an `Object.assign(…)` call are read for markup keys. */
const ASSIGN_SCAN = 256;

/**
 * True when the receiver ending at `end` (the token before `.constructor` or `['constructor']`)
 * evaluates to a function, whose `constructor` is the Function constructor: `Function`
 * (also through the global object), `Function.prototype`, any `x.constructor`, or a function
 * expression in parentheses, bare or passed to `Object.getPrototypeOf(…)`.
 */
export function isFunctionValue(tokens: readonly Token[], end: number): boolean {
  const t = tokens[end];
  if (t === undefined) return false;
  const before = tokens[end - 1]?.text;
  if (t.kind === 'ident') {
    if (t.text === 'constructor') return before === '.' || before === '?.';
    if (t.text === 'prototype' && before === '.') return isFunctionName(tokens, end - 2);
    return isFunctionName(tokens, end);
  }
  if (t.text !== ')') return false;
  return parenthesisedFunction(tokens, end);
}

/**
 * True when the expression ending at `end` is the Function constructor itself: `Function`
 * (also through the global object) or the `constructor` of a function value.
 */
export function isFunctionConstructor(tokens: readonly Token[], end: number): boolean {
  const t = tokens[end];
  if (t?.kind !== 'ident') return false;
  if (t.text === 'Function') return isFunctionName(tokens, end);
  const before = tokens[end - 1]?.text;
  return t.text === 'constructor' && (before === '.' || before === '?.') && isFunctionValue(tokens, end - 2);
}

/** How far the first argument of `Reflect.apply(` / `Reflect.construct(` is read. */
const REFLECT_SCAN = 8;

/** `Reflect.apply(F, …)` / `Reflect.construct(F, …)` with `apply`/`construct` at `at`: whether F is the Function constructor. */
export function reflectsFunction(tokens: readonly Token[], at: number): boolean {
  for (let j = at + 2; j < tokens.length && j <= at + 2 + REFLECT_SCAN; j++) {
    const text = tokens[j]!.kind === 'punct' ? tokens[j]!.text : '';
    if (text === ',') return isFunctionConstructor(tokens, j - 1);
    if (text !== '' && text !== '.' && text !== '?.') return false;
  }
  return false;
}

/** `Function` at `at`, global or read from the global object (`globalThis.Function`). */
function isFunctionName(tokens: readonly Token[], at: number): boolean {
  if (tokens[at]?.text !== 'Function') return false;
  const before = tokens[at - 1]?.text;
  if (before === '.' || before === '?.') return isGlobalReceiver(tokens, at - 2);
  return true;
}

/**
 * The `)` at `close` ends `(function … {…})`, `(async () => {…})` or
 * `Object.getPrototypeOf(<one of those>)`: a function expression at the top level of the
 * parentheses (looked for within a bounded span).
 */
function parenthesisedFunction(tokens: readonly Token[], close: number): boolean {
  let depth = 0;
  let sawFunction = false;
  for (let j = close - 1; j >= 0 && j >= close - RECEIVER_SCAN; j--) {
    const u = tokens[j]!;
    if (u.kind === 'punct' && (u.text === ')' || u.text === ']' || u.text === '}')) depth++;
    else if (u.kind === 'punct' && (u.text === '(' || u.text === '[' || u.text === '{')) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (u.text !== '(') return false;
      // `(…)` right after a name is a call: only getPrototypeOf returns the function's prototype.
      const callee = tokens[j - 1];
      if (callee?.kind === 'ident' && callee.text !== 'getPrototypeOf' && !KEYWORD_BEFORE_PAREN.has(callee.text)) return false;
      return sawFunction;
    } else if (depth === 0 && ((u.kind === 'ident' && u.text === 'function') || (u.kind === 'punct' && u.text === '=>'))) sawFunction = true;
    else if (u.kind === 'punct' && u.text === ';') return false;
  }
  return false;
}

// Words that can stand before a parenthesised expression without calling it.
const KEYWORD_BEFORE_PAREN: ReadonlySet<string> = new Set(['return', 'typeof', 'void', 'await', 'yield', 'in', 'of', 'case', 'else', 'do']);

/** A markup key set by `Object.assign(target, …, { key: value })`: the key's token and the value's index. */
export interface MarkupKey {
  key: Token;
  name: string;
  /** The value's first token; for the shorthand `{ innerHTML }` the key itself. */
  valueAt: number;
}

/**
 * For `Object.assign(` with `assign` at `at`, the markup properties (innerHTML, outerHTML,
 * srcdoc) that an object-literal source argument sets, by name, quoted or as a constant
 * computed key. Reads at most ASSIGN_SCAN tokens of the call.
 */
export function objectAssignMarkup(tokens: readonly Token[], at: number, constants?: Constants): MarkupKey[] {
  const found: MarkupKey[] = [];
  // depth 0: the call's arguments; 1: inside an argument's first-level brackets.
  let depth = 0;
  let argument = 0;
  let inObject = false;
  const end = Math.min(tokens.length, at + 2 + ASSIGN_SCAN);
  for (let j = at + 2; j < end; j++) {
    const t = tokens[j]!;
    const text = t.kind === 'punct' ? t.text : '';
    // A key position of an object-literal source: right after its `{` or one of its top-level `,`.
    if (depth === 1 && inObject) {
      const before = tokens[j - 1]!;
      if (before.kind === 'punct' && (before.text === '{' || before.text === ',')) {
        const markup = markupKey(tokens, j, constants);
        if (markup !== undefined) found.push(markup);
      }
    }
    if (text === '(' || text === '[' || text === '{') {
      if (depth === 0) inObject = text === '{' && argument > 0;
      depth++;
    } else if (text === ')' || text === ']' || text === '}') {
      if (depth === 0) break;
      depth--;
    } else if (text === ',' && depth === 0) argument++;
  }
  return found;
}

/** The markup property named by the object key at `at`, if any. */
function markupKey(tokens: readonly Token[], at: number, constants: Constants | undefined): MarkupKey | undefined {
  const key = tokens[at]!;
  let name: string | undefined;
  let after = at + 1;
  if (key.kind === 'ident' || key.kind === 'string' || (key.kind === 'template' && !key.interpolated)) name = key.text;
  else if (key.kind === 'punct' && key.text === '[') {
    const folded = foldedKey(tokens, at, constants);
    if (folded === undefined) return undefined;
    name = folded.value;
    after = folded.close + 1;
  }
  if (name === undefined || !MARKUP_PROPERTIES.has(name)) return undefined;
  const next = tokens[after]?.text;
  if (next === ':') return { key: tokens[at + (key.text === '[' ? 1 : 0)]!, name, valueAt: after + 1 };
  // `{ innerHTML }`: the shorthand sets the variable of that name.
  if (key.kind === 'ident' && (next === ',' || next === '}')) return { key, name, valueAt: at };
  return undefined;
}

/** How many tokens of a `const` initialiser are read for a Function constructor. */
const ALIAS_SCAN = 32;

/**
 * For the `const`/`let`/`var` at `at`, the declared name when it is `const NAME = <the Function
 * constructor>` (`Function`, `globalThis.Function`, `Function.prototype.constructor`,
 * `(async () => {}).constructor`…) ending its statement; undefined otherwise.
 */
export function functionAlias(tokens: readonly Token[], at: number): string | undefined {
  const name = tokens[at + 1];
  if (tokens[at]!.text !== 'const' || name?.kind !== 'ident' || tokens[at + 2]?.text !== '=') return undefined;
  const first = tokens[at + 3];
  if (first === undefined || !(first.text === '(' || (first.kind === 'ident' && (first.text === 'Function' || GLOBAL_NAMES.has(first.text))))) return undefined;
  let depth = 0;
  for (let j = at + 3; j < tokens.length && j <= at + 3 + ALIAS_SCAN; j++) {
    const t = tokens[j]!;
    const ends = j > at + 3 && depth === 0 && (t.line !== tokens[j - 1]!.line || (t.kind === 'punct' && (t.text === ';' || t.text === ',')));
    if (ends) return isFunctionConstructor(tokens, j - 1) ? name.text : undefined;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (depth === 0) return undefined;
      depth--;
    }
  }
  return tokens.length <= at + 3 + ALIAS_SCAN && depth === 0 && isFunctionConstructor(tokens, tokens.length - 1) ? name.text : undefined;
}

const GLOBAL_NAMES: ReadonlySet<string> = new Set(['globalThis', 'window', 'self', 'global']);
