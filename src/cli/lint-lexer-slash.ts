/**
 * The regex-versus-division decision of `rampart lint`'s tokenizer (lint-lexer.ts): whether a
 * `/` starts a regex literal, and where such a literal ends. Constant work per decision.
 */

/** What the decision reads of a token (lint-lexer.ts's Token, without importing it back). */
export interface SlashToken {
  kind: string;
  text: string;
}

// After these, a `/` starts a regex literal rather than a division.
const REGEX_AFTER_KEYWORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
// Punctuators that end a value: a `/` after them divides. `++`/`--` are taken as postfix (a
// prefix `++/re/.x` is not code anyone writes).
const VALUE_END = new Set([')', ']', '}', '++', '--']);
// Statements whose head is a parenthesised expression followed by a statement: `if (x) /re/.test(s)`.
const CONTROL_HEADS = new Set(['if', 'while', 'for', 'with']);

/** Whether `t` is `.` or `?.`: an identifier after it is a property name. */
function isMemberDot(t: SlashToken | undefined): boolean {
  return t?.kind === 'punct' && (t.text === '.' || t.text === '?.');
}

/**
 * Whether the `(` about to be pushed after `tokens` opens the head of an `if`, `while`, `for`
 * (also `for await`) or `with` statement, so that its `)` ends a head rather than a value.
 */
export function opensControlHead(tokens: readonly SlashToken[]): boolean {
  let k = tokens.length - 1;
  if (tokens[k]?.kind === 'ident' && tokens[k]!.text === 'await' && tokens[k - 1]?.text === 'for') k--;
  const keyword = tokens[k];
  return keyword?.kind === 'ident' && CONTROL_HEADS.has(keyword.text) && !isMemberDot(tokens[k - 1]);
}

/**
 * Whether a `/` after `tokens` starts a regex literal (else it is a division). After a value —
 * an identifier, a literal, `)`, `]`, `}` or a postfix `++`/`--` — it divides; after an operator,
 * one of the keywords that take an expression, or the `)` that closes a statement head
 * (`headEnds`), it starts a regex. A keyword right after `.` or `?.` is a property name
 * (`res.return / 2`), so a value too.
 */
export function regexAllowed(tokens: readonly SlashToken[], headEnds: ReadonlySet<SlashToken>): boolean {
  const prev = tokens[tokens.length - 1];
  if (prev === undefined) return true;
  if (prev.kind === 'ident') return !isMemberDot(tokens[tokens.length - 2]) && REGEX_AFTER_KEYWORD.has(prev.text);
  if (prev.kind === 'punct') return !VALUE_END.has(prev.text) || headEnds.has(prev);
  return false;
}

/** Where the regex literal starting at `start` (a `/`) ends, after its flags; -1 when no `/` closes it on its line. */
export function regexEnd(source: string, start: number): number {
  const n = source.length;
  let j = start + 1;
  let inClass = false;
  while (j < n) {
    const d = source[j]!;
    if (d === '\n' || d === '\r') return -1;
    if (d === '\\') {
      if (source[j + 1] === '\n' || source[j + 1] === '\r') return -1;
      j += 2;
      continue;
    }
    if (d === '[') inClass = true;
    else if (d === ']') inClass = false;
    else if (d === '/' && !inClass) break;
    j++;
  }
  if (j >= n) return -1;
  return afterFlags(source, j + 1);
}

/** The position after the flags that start at `from`. */
function afterFlags(source: string, from: number): number {
  let j = from;
  while (j < source.length && /[a-z]/.test(source[j]!)) j++;
  return j;
}

/**
 * `regexEnd` over one source, linear overall however many `/` start a regex that never closes.
 * A look-ahead that fails has read to its line end; the next `/` on that line would read it
 * again (`x=/[x=/[…`, quadratic). So a failure records, for every position from there to the
 * line end, where a scan reaching it (outside or inside a `[…]` class) finds its closing `/`
 * — one right-to-left pass over what was already read — and later `/`s in that range look
 * their answer up instead of scanning.
 */
export function regexEnds(source: string): (start: number) => number {
  // Positions [from, to) are known: out[j - from] / inside[j - from] is the closing `/` a scan
  // at j finds outside / inside a class, or -1.
  let from = 0;
  let to = 0;
  let out = new Int32Array(0);
  let inside = new Int32Array(0);
  const record = (start: number): void => {
    let end = start;
    while (end < source.length && source[end] !== '\n' && source[end] !== '\r') end++;
    from = start;
    to = end;
    const size = end - start;
    if (out.length < size) {
      out = new Int32Array(size);
      inside = new Int32Array(size);
    }
    // Beyond the line end (or past a backslash at it) every scan fails.
    const outAt = (j: number): number => (j < end ? out[j - start]! : -1);
    const insideAt = (j: number): number => (j < end ? inside[j - start]! : -1);
    for (let j = end - 1; j >= start; j--) {
      const d = source[j]!;
      let o: number;
      let c: number;
      if (d === '\\') {
        o = j + 1 < end ? outAt(j + 2) : -1;
        c = j + 1 < end ? insideAt(j + 2) : -1;
      } else if (d === '[') o = c = insideAt(j + 1);
      else if (d === ']') o = c = outAt(j + 1);
      else if (d === '/') {
        o = j;
        c = insideAt(j + 1);
      } else {
        o = outAt(j + 1);
        c = insideAt(j + 1);
      }
      out[j - start] = o;
      inside[j - start] = c;
    }
  };
  return (start: number): number => {
    const body = start + 1;
    if (body >= from && body < to) {
      const close = out[body - from]!;
      return close === -1 ? -1 : afterFlags(source, close + 1);
    }
    const end = regexEnd(source, start);
    if (end === -1 && body < source.length) record(body);
    return end;
  };
}
