/**
 * Shell commands carrying request data, for `rampart lint`'s S030: a variable initialised from
 * request data (`const cmd = 'rm -rf ' + req.body.path`) and later run by exec()/execSync(), or
 * by spawn()/spawnSync() with `shell: true`; and request data passed to them directly.
 * Variables are remembered by name per file (pattern matching, not data flow); each
 * declaration and call reads a bounded number of tokens.
 */
import type { Token } from './lint-lexer.ts';
import { readsRequestValue } from './lint-forms.ts';

/** Tokens of one right-hand side or argument list looked at. */
const MAX_TOKENS = 60;
/** Variables remembered per file. */
const MAX_VARIABLES = 1000;
/** Tokens of one request expression joined to test it. */
const MAX_EXPRESSION_TOKENS = 8;
// After a request value, these make it a condition or a comparison, not part of the command.
const TESTED_BY: ReadonlySet<string> = new Set(['?', '===', '!==', '==', '!=', '<', '>', '&&', '||']);
// Receivers whose `exec` is child_process's (a RegExp's `exec` runs no shell).
const CHILD_PROCESS_RECEIVER = /^(?:child_?process|childProcess|cp|proc|shell|child)$/i;

/** The first request value read in tokens [from, to) that is part of a value (not only tested), as source text. */
function requestValueIn(tokens: readonly Token[], from: number, to: number): string | undefined {
  for (let j = from; j < to; j++) {
    const t = tokens[j]!;
    if (t.kind === 'template') {
      const read = t.expressions?.find((e) => readsRequestValue(e.trim()));
      if (read !== undefined) return read.trim();
      continue;
    }
    if (t.kind !== 'ident' || tokens[j - 1]?.text === '.' || tokens[j - 1]?.text === '?.') continue;
    let text = '';
    let k = j;
    while (k < to && k < j + MAX_EXPRESSION_TOKENS && (tokens[k]!.kind === 'ident' || tokens[k]!.text === '.' || tokens[k]!.text === '?.'))
      text += tokens[k++]!.text;
    if (readsRequestValue(text) && !TESTED_BY.has(tokens[k]?.text ?? '')) return text;
  }
  return undefined;
}

/** The end (exclusive) of the expression starting at `from`: the first `,` `;` or unmatched closer at its depth, or a new statement line. */
function expressionEnd(tokens: readonly Token[], from: number): number {
  let depth = 0;
  let j = from;
  for (; j < tokens.length && j < from + MAX_TOKENS; j++) {
    const t = tokens[j]!;
    const last = tokens[j - 1];
    if (j > from && depth === 0 && last !== undefined && t.line !== last.line && last.text !== '+' && t.text !== '+') break;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (t.text === ',' || t.text === ';')) break;
  }
  return j;
}

/** Remembers the variables of a file that hold request data, and finds them at shell sinks. */
export class RequestCommands {
  private readonly names = new Map<string, string>();

  /**
   * At an identifier followed by `=` (a declaration or an assignment, not a property): remember
   * the name when its value carries request data, forget it otherwise. `isSql` keeps SQL text,
   * which the SQL rules follow, out.
   */
  assigned(tokens: readonly Token[], at: number, isSql: (text: string) => boolean): void {
    const name = tokens[at]!.text;
    const end = expressionEnd(tokens, at + 2);
    const read = requestValueIn(tokens, at + 2, end);
    let sql = false;
    for (let j = at + 2; j < end && !sql; j++) sql = (tokens[j]!.kind === 'string' || tokens[j]!.kind === 'template') && isSql(tokens[j]!.text);
    if (read === undefined || sql) this.names.delete(name);
    else if (this.names.size < MAX_VARIABLES || this.names.has(name)) this.names.set(name, read);
  }

  /**
   * For a call of exec/execSync/spawn/spawnSync at `at` (its name; `(` follows): the request
   * data its command carries (a remembered variable, or request data in the command itself),
   * else undefined. spawn counts only with `shell: true` among its arguments; a receiver's
   * `exec` only when the receiver looks like child_process (a RegExp's does not run a shell).
   */
  commandFromRequest(tokens: readonly Token[], at: number): string | undefined {
    const name = tokens[at]!.text;
    const prev = tokens[at - 1];
    if (name === 'exec' && (prev?.text === '.' || prev?.text === '?.') && !childProcessReceiver(tokens, at - 2)) return undefined;
    const argAt = at + 2;
    const argEnd = expressionEnd(tokens, argAt);
    if (argEnd === argAt) return undefined;
    if (name === 'spawn' || name === 'spawnSync') {
      if (!withShell(tokens, argEnd)) return undefined;
    } else if (name !== 'exec' && name !== 'execSync') return undefined;
    const arg = tokens[argAt]!;
    if (arg.kind === 'ident' && argEnd === argAt + 1) {
      const read = this.names.get(arg.text);
      if (read !== undefined) return `${arg.text}, from ${read}`;
    }
    return requestValueIn(tokens, argAt, argEnd);
  }
}

/** `require('child_process')`, `child_process`, `cp`… ending at `at` (the token before `.exec`). */
function childProcessReceiver(tokens: readonly Token[], at: number): boolean {
  const t = tokens[at];
  if (t?.kind === 'ident') return CHILD_PROCESS_RECEIVER.test(t.text);
  return t?.text === ')' && tokens[at - 1]?.kind === 'string' && /child_process/.test(tokens[at - 1]!.text);
}

/** `shell: true` in the rest of the argument list after `from` (up to its closing `)`). */
function withShell(tokens: readonly Token[], from: number): boolean {
  let depth = 0;
  for (let j = from; j < tokens.length && j < from + MAX_TOKENS; j++) {
    const t = tokens[j]!;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (depth === 0) return false;
      depth--;
    } else if (t.kind === 'ident' && t.text === 'shell' && tokens[j + 1]?.text === ':' && tokens[j + 2]?.text === 'true') return true;
  }
  return false;
}
