/**
 * SQL grown in a variable before it reaches the database, for `rampart lint`'s S002:
 * `let q = 'SELECT … WHERE id = '; q += req.params.id;` or `q = q + id;`. Variables assigned
 * a SQL literal are remembered by name (per file; this is pattern matching, not data flow),
 * and each later `+=` / `x = x + …` is judged piece by piece with the same value-versus-name
 * rule as a concatenation in place. Each growth reads a bounded number of tokens.
 */
import type { Token } from './lint-lexer.ts';
import { riskySlot, riskyTemplateSlot } from './lint-sql.ts';

/** Tokens of one right-hand side looked at. */
const MAX_RHS = 40;
/** SQL text kept per variable (the tail decides the slot). */
const MAX_TEXT = 200;
/** Variables remembered per file. */
const MAX_VARIABLES = 1000;

function isLiteral(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'string' || (t.kind === 'template' && !t.interpolated));
}

/** Remembers the variables a file assigns SQL text to, and judges what is appended to them. */
export class GrownSql {
  private readonly text = new Map<string, string>();

  /** `name = '<sql>'` (a declaration or an assignment) at `at`: remember `sql` for `name`. */
  assigned(name: string, sql: string): void {
    if (this.text.size >= MAX_VARIABLES && !this.text.has(name)) return;
    this.text.set(name, sql.slice(-MAX_TEXT));
  }

  /**
   * For the identifier at `at`, when it is a remembered SQL variable grown by `+=` or
   * `name = name + …`: the first risky appended expression (request data anywhere, any
   * expression in a value position) and the indexes [from, to) of the right-hand side read,
   * else undefined. Literal pieces extend the remembered SQL.
   */
  grown(tokens: readonly Token[], at: number): { slot: string; from: number; to: number } | undefined {
    const t = tokens[at]!;
    const before = this.text.get(t.text);
    if (before === undefined) return undefined;
    const prev = tokens[at - 1];
    if (prev !== undefined && (prev.text === '.' || prev.text === '?.')) return undefined;
    const op = tokens[at + 1];
    let from: number;
    if (op?.kind === 'punct' && op.text === '+=') from = at + 2;
    else if (op?.kind === 'punct' && op.text === '=' && tokens[at + 2]?.text === t.text && tokens[at + 3]?.text === '+') from = at + 4;
    else return undefined;
    const judged = this.judge(t.text, before, tokens, from);
    return judged.slot === undefined ? undefined : { slot: judged.slot, from, to: judged.to };
  }

  private judge(name: string, sql: string, tokens: readonly Token[], from: number): { slot: string | undefined; to: number } {
    let text = sql;
    let piece = '';
    let depth = 0;
    const settle = (): string | undefined => {
      const expression = piece;
      piece = '';
      return expression !== '' && riskySlot(text, expression) ? expression : undefined;
    };
    let j = from;
    for (; j < tokens.length && j < from + MAX_RHS; j++) {
      const t = tokens[j]!;
      // Without semicolons, a new line that neither ends nor starts with `+` is a new statement.
      const last = tokens[j - 1]!;
      if (j > from && t.line !== last.line && last.text !== '+' && t.text !== '+' && depth === 0) break;
      if (t.kind === 'punct') {
        if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
        else if (t.text === ')' || t.text === ']' || t.text === '}') {
          if (depth === 0) break;
          depth--;
        } else if (depth === 0 && (t.text === ';' || t.text === ',')) break;
        else if (depth === 0 && t.text === '+') {
          const risky = settle();
          if (risky !== undefined) return { slot: risky, to: j };
          continue;
        }
      }
      if (depth === 0 && piece === '' && isLiteral(t) && !continuesPiece(tokens[j + 1])) {
        text = (text + t.text).slice(-MAX_TEXT);
        continue;
      }
      if (depth === 0 && piece === '' && t.kind === 'template' && t.interpolated) {
        const risky = riskyTemplateSlot(text.slice(-MAX_TEXT) + t.text, t.expressions ?? []);
        if (risky !== undefined) return { slot: risky, to: j + 1 };
        text = (text + t.text).slice(-MAX_TEXT);
        continue;
      }
      piece += t.text;
    }
    const risky = settle();
    if (risky === undefined) this.text.set(name, text);
    return { slot: risky, to: j };
  }
}

/** True when `t` continues an expression after a literal (`'a'.length`, `'x'[0]`). */
function continuesPiece(t: Token | undefined): boolean {
  return t !== undefined && t.kind === 'punct' && (t.text === '.' || t.text === '?.' || t.text === '[' || t.text === '(');
}
