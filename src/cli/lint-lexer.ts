/**
 * A small, linear-time JavaScript/TypeScript tokenizer for `rampart lint`: enough to tell
 * code from strings, templates, comments and regex literals, never a parser. One pass,
 * no backtracking; unterminated literals end at the end of the file.
 */

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

const MAX_EXPRESSION = 200;
const IDENT_START = /[A-Za-z_$\u00c0-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u00c0-\uffff]/;
// After these, a `/` starts a regex literal rather than a division.
const REGEX_AFTER_KEYWORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
// Punctuators that end a value: a `/` after them divides. `++`/`--` are taken as postfix (a
// prefix `++/re/.x` is not code anyone writes).
const VALUE_END = new Set([')', ']', '}', '++', '--']);
// Multi-character punctuators kept whole (the rules and the regex decision look at them).
const THREE_CHAR_PUNCT = new Set(['===', '!==', '...']);
const TWO_CHAR_PUNCT = new Set(['==', '!=', '+=', '=>', '&&', '||', '??', '?.', '++', '--']);

/** A comment with the 1-based lines it starts and ends on; `text` excludes the delimiters. */
export interface Comment {
  text: string;
  line: number;
  endLine: number;
}

/**
 * Tokenize `source`. Template interpolations are tokenized as code, nested to any depth.
 * Comments are not tokens; pass `comments` to collect them.
 */
export function tokenize(source: string, comments?: Comment[]): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  // One entry per open `${`: the brace depth inside it, and the template token it belongs to.
  const templates: Array<{ depth: number; token: Token; start: number }> = [];

  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  const push = (kind: TokenKind, text: string, startLine: number, startCol: number): Token => {
    const token: Token = { kind, text, interpolated: false, line: startLine, column: startCol };
    tokens.push(token);
    return token;
  };

  // Read template text from i (just after ` or }) up to the closing ` or the next ${.
  const readTemplate = (token: Token): void => {
    let text = '';
    while (i < n) {
      const c = source[i]!;
      if (c === '\\') {
        text += source.slice(i, i + 2);
        if (source[i + 1] === '\n') newline(i + 1);
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        token.text += text;
        return;
      }
      if (c === '$' && source[i + 1] === '{') {
        i += 2;
        token.text += `${text}\${}`;
        token.interpolated = true;
        templates.push({ depth: 0, token, start: i });
        return;
      }
      if (c === '\n') newline(i);
      text += c;
      i++;
    }
    token.text += text;
  };

  while (i < n) {
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
      const token = push('template', '', line, col);
      i++;
      readTemplate(token);
      continue;
    }
    if (c === '}' && templates.length > 0 && templates[templates.length - 1]!.depth === 0) {
      const { token, start } = templates.pop()!;
      // Capped, so deeply nested templates stay linear.
      const expression = source.slice(start, Math.min(i, start + MAX_EXPRESSION));
      if (token.expressions === undefined) token.expressions = [expression];
      else token.expressions.push(expression);
      i++;
      readTemplate(token);
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
    if (c === '/' && regexAllowed(tokens)) {
      const end = regexEnd(source, i);
      // A regex literal cannot hold a line end: a `/` with no closing `/` on its line is a division.
      if (end !== -1) {
        push('regex', source.slice(i, end), line, col);
        i = end;
        continue;
      }
    }
    if (c === '{' && templates.length > 0) templates[templates.length - 1]!.depth++;
    if (c === '}' && templates.length > 0) templates[templates.length - 1]!.depth--;
    // Multi-character punctuators the rules care about.
    const three = source.slice(i, i + 3);
    const two = source.slice(i, i + 2);
    const p = THREE_CHAR_PUNCT.has(three) ? three : TWO_CHAR_PUNCT.has(two) ? two : c;
    push('punct', p, line, col);
    i += p.length;
  }
  return tokens;
}

/** Where the regex literal starting at `start` (a `/`) ends, after its flags; -1 when no `/` closes it on its line. */
function regexEnd(source: string, start: number): number {
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
  j++;
  while (j < n && /[a-z]/.test(source[j]!)) j++;
  return j;
}

/**
 * Whether a `/` after `tokens` starts a regex literal (else it is a division). After a value —
 * an identifier, a literal, `)`, `]`, `}` or a postfix `++`/`--` — it divides; after an operator
 * or one of the keywords that take an expression, it starts a regex. A keyword right after `.`
 * or `?.` is a property name (`res.return / 2`), so a value too.
 */
function regexAllowed(tokens: readonly Token[]): boolean {
  const prev = tokens[tokens.length - 1];
  if (prev === undefined) return true;
  if (prev.kind === 'ident') {
    const before = tokens[tokens.length - 2];
    if (before?.kind === 'punct' && (before.text === '.' || before.text === '?.')) return false;
    return REGEX_AFTER_KEYWORD.has(prev.text);
  }
  if (prev.kind === 'punct') return !VALUE_END.has(prev.text);
  return false;
}
