/**
 * Where a piece of SQL text puts an interpolated expression, for `rampart lint`'s SQL rules.
 * Only values can be passed as parameters ($1, ?): an expression in a value position is
 * reported, while one in a structural position (a table or column name, a clause built
 * elsewhere) is not — unless it reads request data, or the statement is built from it.
 * Every test below looks at a bounded tail of the text, so a check costs O(piece).
 */

// The SQL text before a structural slot ends with one of these words (and an optional quote).
const STRUCTURAL_BEFORE =
  /\b(?:from|into|update|table|join|exists|only|of|truncate|references|index|create|drop|alter|select|distinct|where|and|or|by|having|set|returning|with|as|on|using|not)\s+["`]?$/i;
// Request data: never structural.
const REQUEST_DATA = /\b(?:req|request|ctx|params|query|body|searchParams|headers|cookies|input|argv|formData)\b/;
// UPPER_CASE constants (optionally a member of something), numbers, and names that are SQL
// placeholders or quoted identifiers by construction.
const CONSTANT_EXPRESSION = /^\s*(?:(?:[\w$]+\??\.)*[A-Z][A-Z0-9_]*|\d+|(?:[\w$]+\.)*[\w$]*[pP]laceholders?)\s*$/;
// `cond ? ' and x' : ''`: a choice between literals.
const LITERAL_CHOICE = /^[\w$.!\s()]+\?\s*(?:'[^'$]*'|"[^"$]*"|`[^`$]*`)\s*:\s*(?:'[^'$]*'|"[^"$]*"|`[^`$]*`)\s*$/;
const TAIL = 200;
// After `$`, a parameter number (`$${params.length + 1}`, `$${i}`): one name or a `.length`,
// plus or minus a literal — never a value spliced into the statement.
// Objects whose `length` key the client sets (`?length=1 or 1=1` → req.query.length); `params` is
// allowed there, being the usual name of the statement's own parameter list.
const REQUEST_OBJECT = /^\(?\s*(?:req|request|ctx)\b|\b(?:query|body|cookies|headers|searchParams|formData)\b/;
const PLACEHOLDER_NUMBER = /^\(?\s*(?:[\w$]+\??\.)*[\w$]+\s*(?:[+-]\s*\d+\s*)?\)?$/;

function countQuotes(text: string): number {
  let quotes = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 39) quotes++;
  return quotes;
}

/**
 * Whether `expression` in the slot that follows the SQL text `before` risks injection:
 * a value position, or request data anywhere. Constants and literal choices are safe.
 */
export function riskySlot(before: string, expression: string, quoted = countQuotes(before) % 2 === 1): boolean {
  const expr = expression.trim();
  if (CONSTANT_EXPRESSION.test(expr) || LITERAL_CHOICE.test(expr)) return false;
  // A parameter number: a `.length` is a number whatever it counts; a lone name unless request data.
  if (
    before.endsWith('$') &&
    !before.endsWith('$$') &&
    PLACEHOLDER_NUMBER.test(expr) &&
    (/\.length\b/.test(expr) ? !REQUEST_OBJECT.test(expr) : !REQUEST_DATA.test(expr))
  )
    return false;
  if (REQUEST_DATA.test(expr)) return true;
  // Inside a single-quoted SQL string: a value.
  if (quoted) return true;
  return !STRUCTURAL_BEFORE.test(before.slice(-TAIL));
}

/**
 * The first risky `${…}` of a template whose text joins its parts with `${}` (see the
 * lexer), or undefined when every slot is structural or constant. A slot glued to the
 * previous one (`${prefix}_${name}`) shares its position.
 */
export function riskyTemplateSlot(text: string, expressions: readonly string[]): string | undefined {
  const parts = text.split('${}');
  let tail = '';
  let quotes = 0;
  for (let k = 0; k < parts.length - 1; k++) {
    const part = parts[k]!;
    quotes += countQuotes(part);
    // `${a}_${b}`: the second slot continues the identifier the first one started.
    if (k === 0 || !/^[\w.]*$/.test(part)) tail = (tail + part).slice(-TAIL);
    const expression = expressions[k] ?? '';
    if (riskySlot(tail, expression, quotes % 2 === 1)) return expression.trim() || '${…}';
  }
  return undefined;
}
