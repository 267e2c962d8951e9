/**
 * A string concatenation read piece by piece, for `rampart lint`'s SQL rules:
 * `"SELECT " + req.query.cols + " FROM users"`. The literal pieces are joined (so a statement
 * whose first piece is only a keyword is still recognised as SQL) and each other piece is
 * judged by its slot in the text before it. Reads a bounded number of tokens.
 */
import type { Token } from './lint-lexer.ts';
import { riskySlot, riskyTemplateSlot } from './lint-sql.ts';

/** Tokens of one concatenation looked at. */
const MAX_TOKENS = 60;
/** Literal text kept (the tail decides the slot). */
const MAX_TEXT = 400;

/** A concatenation's literal text, its first risky piece, and the index after its last token. */
export interface Concatenation {
  text: string;
  slot: string | undefined;
  end: number;
}

/**
 * Read the concatenation that starts with the string literal at `at` (`'…' + x + '…'`), up to
 * the end of its expression (`,`, `;`, `)`, `]`, `}` or a new line without `+` at its depth).
 */
export function readConcatenation(tokens: readonly Token[], at: number): Concatenation {
  let text = '';
  let slot: string | undefined;
  let piece = '';
  let depth = 0;
  const settle = (): void => {
    if (slot === undefined && piece !== '' && riskySlot(text.slice(-MAX_TEXT), piece)) slot = piece;
    piece = '';
  };
  let j = at;
  for (; j < tokens.length && j < at + MAX_TOKENS; j++) {
    const t = tokens[j]!;
    const last = tokens[j - 1];
    if (j > at && depth === 0 && last !== undefined && t.line !== last.line && last.text !== '+' && t.text !== '+') break;
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (t.text === ',' || t.text === ';')) break;
      else if (depth === 0 && t.text === '+') {
        settle();
        continue;
      }
    }
    if (depth === 0 && piece === '' && (t.kind === 'string' || t.kind === 'template') && !continues(tokens[j + 1])) {
      if (t.kind === 'template' && t.interpolated && slot === undefined) slot = riskyTemplateSlot(text.slice(-MAX_TEXT) + t.text, t.expressions ?? []);
      text = (text + t.text).slice(-MAX_TEXT);
      continue;
    }
    piece += t.text;
  }
  settle();
  return { text, slot, end: j };
}

/** True when `t` continues an expression after a literal (`'a'.length`, `'x'[0]`). */
function continues(t: Token | undefined): boolean {
  return t !== undefined && t.kind === 'punct' && (t.text === '.' || t.text === '?.' || t.text === '[' || t.text === '(');
}
