/**
 * A small, linear-time JavaScript/TypeScript tokenizer for `rampart lint`: enough to tell
 * code from strings, templates, comments, regex literals and (in .jsx/.tsx) JSX text, never a
 * parser. One pass, no backtracking, except that a template or JSX element that proves misread
 * (still open at the end of the file; a template directly followed by a name, or `${` in code
 * after it) is re-read as code from its opening character, within a budget linear in the file.
 */
import { opensControlHead, regexAllowed, regexEnds } from './lint-lexer-slash.ts';

/** Token kinds. */
export type TokenKind = 'ident' | 'punct' | 'string' | 'template' | 'number' | 'regex';

/** One token with its 1-based position. */
export interface Token {
  kind: TokenKind;
  /** Identifier name, punctuator, the string's value (escapes kept raw), or the template's text parts joined. */
  text: string;
  /** Templates: whether `${…}` occurs. */
  interpolated: boolean;
  /** Templates: the source text of each `${…}` expression, in order. */
  expressions?: string[];
  line: number;
  column: number;
}

/** A comment with the 1-based lines it starts and ends on; `text` excludes the delimiters. */
export interface Comment {
  text: string;
  line: number;
  endLine: number;
}

/** How to read a file. */
export interface TokenizeOptions {
  /** Read JSX (for .jsx/.tsx files): element text is neither code nor a template. */
  jsx?: boolean;
}

const MAX_EXPRESSION = 200;
/** Characters re-read after misread templates and JSX, per character of the file: keeps the lexer linear. */
const REREAD_BUDGET = 4;
const IDENT_START = /[A-Za-z_$\u00c0-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u00c0-\uffff]/;
const JSX_NAME_PART = /[A-Za-z0-9_$\u00c0-\uffff.:-]/;
// Multi-character punctuators kept whole (the rules and the regex decision look at them).
const THREE_CHAR_PUNCT = new Set(['===', '!==', '...']);
const TWO_CHAR_PUNCT = new Set(['==', '!=', '+=', '=>', '&&', '||', '??', '?.', '++', '--']);

// What is being read, innermost last: template text, or JSX (a tag, an element's text, or
// the code of a `{…}` in JSX). Code inside `${…}` and JSX `{…}` counts its braces in `depth`.
type Context =
  | { kind: 'template'; depth: number; token: Token; start: number }
  | { kind: 'jsxCode'; depth: number }
  | { kind: 'jsxTag'; closing: boolean; names: number }
  | { kind: 'jsxText' };

// The open `(` tokens, innermost first: whether each opened an if/while/for/with head. A
// persistent list, so that a checkpoint keeps it in constant time.
type Parens = { opensHead: boolean; outer: Parens } | undefined;

/**
 * Tokenize `source`. Template interpolations and JSX `{…}` are tokenized as code, nested to
 * any depth. Comments are not tokens; pass `comments` to collect them.
 */
export function tokenize(source: string, comments?: Comment[], options: TokenizeOptions = {}): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let contexts: Context[] = [];
  let parens: Parens;
  const headEnds = new Set<Token>();
  // Where the last template or JSX element opened outside any other began: re-read from
  // there, taking its first character as a lone punctuator, when it proves misread.
  let checkpoint: { i: number; line: number; lineStart: number; tokens: number; comments: number; parens: Parens; template: boolean } | undefined;
  let budget = REREAD_BUDGET * n;
  let templateOpen = false;
  // Where a regex literal starting at a `/` ends: linear overall, also when many never close.
  const regexEnd = regexEnds(source);

  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  const push = (kind: TokenKind, text: string, startLine: number, startCol: number): Token => {
    const token: Token = { kind, text, interpolated: false, line: startLine, column: startCol };
    tokens.push(token);
    return token;
  };
  const top = (): Context | undefined => contexts[contexts.length - 1];
  const mark = (template: boolean): void => {
    if (contexts.length === 0) checkpoint = { i, line, lineStart, tokens: tokens.length, comments: comments?.length ?? 0, parens, template };
  };
  // Go back to the checkpoint; false when there is none or the budget is spent.
  const reread = (): boolean => {
    if (checkpoint === undefined || i - checkpoint.i > budget) return false;
    budget -= i - checkpoint.i;
    ({ i, line, lineStart, parens } = checkpoint);
    tokens.length = checkpoint.tokens;
    if (comments !== undefined) comments.length = checkpoint.comments;
    contexts = [];
    templateOpen = false;
    checkpoint = undefined;
    push('punct', source[i]!, line, i - lineStart + 1);
    i++;
    return true;
  };
  // A template just closed outside any other, directly followed by a name or a number
  // (`\`…\`SELECT`): impossible in code, so its closing backtick really opened a template.
  const closedMisread = (): boolean => contexts.length === 0 && !templateOpen && i < n && IDENT_PART.test(source[i]!) && reread();

  // Read template text from i (just after ` or }) up to the closing ` or the next ${. With
  // `oneLine`, false when the line ends first (nothing read).
  const readTemplate = (token: Token, oneLine = false): boolean => {
    let text = '';
    templateOpen = true;
    while (i < n) {
      const c = source[i]!;
      if (oneLine && (c === '\n' || c === '\r')) {
        templateOpen = false;
        return false;
      }
      if (c === '\\') {
        text += source.slice(i, i + 2);
        if (source[i + 1] === '\n') newline(i + 1);
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        token.text += text;
        templateOpen = false;
        return true;
      }
      if (c === '$' && source[i + 1] === '{') {
        i += 2;
        token.text += `${text}\${}`;
        token.interpolated = true;
        contexts.push({ kind: 'template', depth: 0, token, start: i });
        templateOpen = false;
        return true;
      }
      if (c === '\n') newline(i);
      text += c;
      i++;
    }
    token.text += text;
    return true;
  };

  // JSX element text from i up to the next `{` or `<`: not code, not a template.
  const readJsxText = (): void => {
    while (i < n) {
      const c = source[i]!;
      if (c === '{') {
        push('punct', '{', line, i - lineStart + 1);
        contexts.push({ kind: 'jsxCode', depth: 0 });
        i++;
        return;
      }
      if (c === '<' && source[i + 1] === '/') {
        push('punct', '</', line, i - lineStart + 1);
        contexts.push({ kind: 'jsxTag', closing: true, names: 0 });
        i += 2;
        return;
      }
      if (c === '<' && (source[i + 1] === '>' || IDENT_START.test(source[i + 1] ?? ''))) {
        push('punct', '<', line, i - lineStart + 1);
        contexts.push({ kind: 'jsxTag', closing: false, names: 0 });
        i++;
        return;
      }
      if (c === '\n') newline(i);
      i++;
    }
  };

  // One piece of a JSX tag at i: a name, `=`, a string, `{`, the end `>` or `/>`. Anything
  // else means the `<` was not JSX (`<T,>() =>`, `<T extends U>`): the tag is dropped and the
  // rest is read as code.
  const readJsxTag = (tag: { kind: 'jsxTag'; closing: boolean; names: number }): void => {
    const c = source[i]!;
    const col = i - lineStart + 1;
    if (c === '\n') {
      newline(i);
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '>' || (c === '/' && source[i + 1] === '>')) {
      const selfClosing = c === '/';
      // `<T>(x: T) => T`: a generic signature (a type, or Flow), not an element
      if (!selfClosing && !tag.closing && tag.names === 1 && signatureFollows(source, i + 1)) {
        contexts.pop();
        return;
      }
      push('punct', selfClosing ? '/>' : '>', line, col);
      i += selfClosing ? 2 : 1;
      contexts.pop();
      // `</x>` ends the element whose text holds it; `<x>` starts that text.
      if (tag.closing) {
        if (top()?.kind === 'jsxText') contexts.pop();
      } else if (!selfClosing) contexts.push({ kind: 'jsxText' });
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && JSX_NAME_PART.test(source[j]!)) j++;
      const name = source.slice(i, j);
      // `<T extends U>`: a type parameter
      if (tag.names === 1 && name === 'extends' && !tag.closing) {
        contexts.pop();
        return;
      }
      push('ident', name, line, col);
      tag.names++;
      i = j;
    } else if (c === '=' && tag.names > 0) {
      // An attribute's value is a string or `{…}`; `<T = unknown>` is a type parameter.
      let j = i + 1;
      while (source[j] === ' ' || source[j] === '\t') j++;
      if (source[j] !== '"' && source[j] !== "'" && source[j] !== '{') {
        contexts.pop();
        return;
      }
      push('punct', '=', line, col);
      i++;
    } else if ((c === '"' || c === "'") && tag.names > 0) {
      const startLine = line;
      let j = i + 1;
      while (j < n && source[j] !== c) {
        if (source[j] === '\n') newline(j);
        j++;
      }
      push('string', source.slice(i + 1, j), startLine, col);
      i = j + 1;
    } else if (c === '{' && tag.names > 0) {
      push('punct', '{', line, col);
      contexts.push({ kind: 'jsxCode', depth: 0 });
      i++;
    } else contexts.pop();
  };

  // Still open at the end of the file: misread.
  const atEnd = (): boolean => (contexts.length === 0 && !templateOpen) || !reread();

  while (i < n || !atEnd()) {
    const context = top();
    if (context?.kind === 'jsxText') {
      readJsxText();
      continue;
    }
    if (context?.kind === 'jsxTag') {
      readJsxTag(context);
      continue;
    }
    const c = source[i]!;
    const col = i - lineStart + 1;
    if (c === '\n') {
      newline(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff') {
      i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      comments?.push({ text: source.slice(i + 2, end === -1 ? n : end), line, endLine: line });
      i = end === -1 ? n : end;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      const startLine = line;
      for (let j = i; j < stop; j++) if (source[j] === '\n') newline(j);
      comments?.push({ text: source.slice(i + 2, end === -1 ? n : end), line: startLine, endLine: line });
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      const startLine = line;
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== '\n') {
        // A backslash before a line end continues the string on the next line.
        if (source[j] === '\\' && source[j + 1] === '\n') newline(j + 1);
        j += source[j] === '\\' ? 2 : 1;
      }
      push('string', source.slice(i + 1, Math.min(j, n)), startLine, col);
      // An unterminated string ends at its line end, which the main loop counts.
      i = source[j] === '\n' ? j : j + 1;
      continue;
    }
    if (c === '`') {
      // Right after a division (`x / \``) or a word after `>` (`<p>Don\`t` in JSX the lexer does
      // not read as JSX), a backtick is more likely inside a misread regex or markup than a
      // template: such a template must close (or interpolate) on its line, else the backtick is
      // a lone punctuator.
      const unlikely = lastIs(tokens, 1, 'punct', '/') || (tokens[tokens.length - 1]?.kind === 'ident' && lastIs(tokens, 2, 'punct', '>'));
      mark(true);
      const token = push('template', '', line, col);
      i++;
      if (!readTemplate(token, unlikely)) {
        i = token.column + lineStart;
        tokens.pop();
        push('punct', '`', line, col);
      } else closedMisread();
      continue;
    }
    // `${` in code outside any template is template text: the last template closed where it opened.
    if (c === '$' && source[i + 1] === '{' && contexts.length === 0 && checkpoint?.template === true && reread()) {
      continue;
    }
    if (c === '}' && context !== undefined && context.depth === 0) {
      contexts.pop();
      if (context.kind === 'jsxCode') {
        push('punct', '}', line, col);
        i++;
        continue;
      }
      // Capped, so deeply nested templates stay linear.
      const expression = source.slice(context.start, Math.min(i, context.start + MAX_EXPRESSION));
      if (context.token.expressions === undefined) context.token.expressions = [expression];
      else context.token.expressions.push(expression);
      i++;
      readTemplate(context.token);
      closedMisread();
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(source[j]!)) j++;
      push('ident', source.slice(i, j), line, col);
      i = j;
      continue;
    }
    if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      push('number', source.slice(i, j), line, col);
      i = j;
      continue;
    }
    if (c === '/' && regexAllowed(tokens, headEnds)) {
      const end = regexEnd(i);
      // A regex literal cannot hold a line end: a `/` with no closing `/` on its line is a division.
      if (end !== -1) {
        push('regex', source.slice(i, end), line, col);
        i = end;
        continue;
      }
    }
    // `<` where a value starts, before a name or `>`: a JSX element (a regex could start there too).
    if (c === '<' && options.jsx === true && (source[i + 1] === '>' || IDENT_START.test(source[i + 1] ?? '')) && regexAllowed(tokens, headEnds)) {
      mark(false);
      push('punct', '<', line, col);
      contexts.push({ kind: 'jsxTag', closing: false, names: 0 });
      i++;
      continue;
    }
    if (c === '{' && context !== undefined) context.depth++;
    if (c === '}' && context !== undefined) context.depth--;
    // Multi-character punctuators the rules care about.
    const three = source.slice(i, i + 3);
    const two = source.slice(i, i + 2);
    const p = THREE_CHAR_PUNCT.has(three) ? three : TWO_CHAR_PUNCT.has(two) ? two : c;
    if (p === '(') parens = { opensHead: opensControlHead(tokens), outer: parens };
    const token = push('punct', p, line, col);
    if (p === ')' && parens !== undefined) {
      if (parens.opensHead) headEnds.add(token);
      parens = parens.outer;
    }
    i += p.length;
  }
  return tokens;
}

/** Whether the `back`-th token from the end has this kind and text. */
function lastIs(tokens: readonly Token[], back: number, kind: TokenKind, text: string): boolean {
  const t = tokens[tokens.length - back];
  return t?.kind === kind && t.text === text;
}

/** Characters looked at after `<T>` for a parameter list. */
const SIGNATURE_SCAN = 400;

/** Whether `(…) =>` or `(…):` starts at `from` (after spaces), within a bounded look-ahead. */
function signatureFollows(source: string, from: number): boolean {
  let j = from;
  while (source[j] === ' ' || source[j] === '\t') j++;
  if (source[j] !== '(') return false;
  const stop = Math.min(source.length, j + SIGNATURE_SCAN);
  let depth = 0;
  for (; j < stop; j++) {
    if (source[j] === '(') depth++;
    else if (source[j] === ')' && --depth === 0) break;
  }
  if (j >= stop) return false;
  j++;
  while (j < stop && /\s/.test(source[j]!)) j++;
  return source[j] === ':' || (source[j] === '=' && source[j + 1] === '>');
}
