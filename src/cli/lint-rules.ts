/**
 * The rules of `rampart lint`: patterns over the token stream of one file (see lexer.ts).
 * Every rule is a constant number of token look-ups per token, so a scan is linear in
 * the file size; the few regular expressions test single short tokens and have no
 * nested quantifiers.
 */
import { checkSecret, estimateEntropyBits } from '../crypto/secret.ts';
import type { Finding, RuleInfo, Severity } from './findings.ts';
import { tokenize, type Comment, type Token } from './lint-lexer.ts';
import {
  arrayElements,
  concatArgument,
  destructuredFromGlobal,
  GLOBAL_OBJECTS,
  inJoinedArray,
  isFalseValue,
  isGlobalReceiver,
  isPlainString,
  isStringRawTag,
  readsRequestValue,
  skipStringRaw,
} from './lint-forms.ts';
import { readConcatenation } from './lint-concat.ts';
import { GrownSql } from './lint-grown-sql.ts';
import { declareConstants, foldedKey } from './lint-constant.ts';
import { functionAlias, isFunctionConstructor, isFunctionValue, MARKUP_PROPERTIES, objectAssignMarkup, reflectsFunction } from './lint-routes.ts';
import { riskySlot, riskyTemplateSlot } from './lint-sql.ts';
import { RequestCommands } from './lint-shell.ts';
import { applySuppressions, SUPPRESSION_RULE } from './lint-suppress.ts';

/** One lint rule: id, severity and explanation. */
export type LintRuleInfo = RuleInfo;

/** The catalogue of `rampart lint` rule ids. */
export const LINT_RULES: readonly LintRuleInfo[] = [
  {
    id: 'RAMPART-S001',
    severity: 'error',
    title:
      'SQL built by template interpolation (String.raw included), string concatenation, .concat() or [...].join() is passed to a query function (query, execute, raw, prepare, run, all, get, exec): SQL injection. Use parameters ($1, ?) or a tagged template (sql`… ${x}`).',
  },
  {
    id: 'RAMPART-S002',
    severity: 'error',
    title:
      'A SQL statement is built by string concatenation, .concat(), [...].join(), an untagged (or String.raw) template with ${…}, or grown in a variable (q += x, q = q + x): SQL injection once it reaches the database.',
  },
  {
    id: 'RAMPART-S003',
    severity: 'warning',
    title: 'sql.unsafe() / $queryRawUnsafe() with a query that is not a string literal: make sure no user input reaches it.',
  },
  {
    id: 'RAMPART-S010',
    severity: 'error',
    title:
      'A hard-coded secret: a placeholder ("changeme", "your-csrf-secret") or a high-entropy literal assigned to a secret/key/token/password name. Load it from the environment.',
  },
  {
    id: 'RAMPART-S020',
    severity: 'error',
    title:
      "eval() (also aliased, indirect, globalThis.eval, globalThis['eval'], a key folded from constant pieces like globalThis['ev' + 'al'], or destructured: const { eval: run } = globalThis) or setTimeout/setInterval with a string or request data: string-to-code; an injection sink.",
  },
  {
    id: 'RAMPART-S021',
    severity: 'error',
    title:
      "new Function(…) or Function(…) (also globalThis.Function, globalThis['Function'] or a key folded from constant pieces, a const alias such as const F = Function.prototype.constructor or const { Function: F } = globalThis, and the same constructor reached as Function.prototype.constructor, x.constructor.constructor, (function () {}).constructor or Function['constructor'], and called through .call/.apply/.bind or Reflect.apply/construct): string-to-code; an injection sink.",
  },
  {
    id: 'RAMPART-S030',
    severity: 'error',
    title:
      "child_process exec()/execSync() with an interpolated or concatenated command or with request data (also held in a variable initialised from it: const cmd = 'rm -rf ' + req.body.path), or spawn()/spawnSync() with shell: true and such a command: shell injection. Use execFile/spawn with an argument array.",
  },
  {
    id: 'RAMPART-S040',
    severity: 'error',
    title:
      "innerHTML/outerHTML/srcdoc (= or +=, also el['innerHTML'], el[`innerHTML`], el['inner' + 'HTML'] and Object.assign(el, { innerHTML: … })), insertAdjacentHTML or document.write/writeln (also document?.write, document['write'] and document['wri' + 'te']) with interpolated or concatenated markup or request data (req.body.html): DOM XSS. Use textContent or escapeHtml()/sanitizeHtml(). A warning for another plain variable.",
  },
  { id: 'RAMPART-S041', severity: 'warning', title: 'dangerouslySetInnerHTML: make sure the HTML is sanitised (sanitizeHtml from rampart/input).' },
  {
    id: 'RAMPART-S050',
    severity: 'error',
    title:
      "TLS certificate verification disabled (rejectUnauthorized: false, 0 or !1, also 'rejectUnauthorized' and ['rejectUnauthorized'] keys; NODE_TLS_REJECT_UNAUTHORIZED = \"0\" or 0, also process.env['NODE_TLS_REJECT_UNAUTHORIZED'] and the template-literal key): man-in-the-middle.",
  },
  {
    id: 'RAMPART-S060',
    severity: 'error',
    title: 'Math.random() used for a token, secret, nonce, salt, session id or code: predictable. Use crypto.randomBytes / crypto.randomUUID.',
  },
  SUPPRESSION_RULE,
];

const INFO = new Map(LINT_RULES.map((r) => [r.id, r]));

const QUERY_FUNCTIONS = new Set([
  'query',
  'execute',
  'raw',
  'prepare',
  'run',
  'all',
  'get',
  'exec',
  'unsafe',
  'queryRaw',
  '$queryRawUnsafe',
  '$executeRawUnsafe',
  'queryUnsafe',
  'many',
  'one',
  'none',
  'any',
  'oneOrNone',
  'manyOrNone',
]);
const UNSAFE_FUNCTIONS = new Set(['unsafe', '$queryRawUnsafe', '$executeRawUnsafe', 'queryUnsafe']);
const EXEC_FUNCTIONS = new Set(['exec', 'execSync']);
const SHELL_FUNCTIONS = new Set(['exec', 'execSync', 'spawn', 'spawnSync']);
const KEYWORDS = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
  'export',
  'default',
]);
const SQL_START = /^\s*(?:\(\s*)?(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|WITH|CREATE|DROP|ALTER|TRUNCATE)\s/i;
// The same keywords in upper case: SQL style, unlike prose ("Delete " + name + " from your list?").
const SQL_START_UPPER = /^\s*(?:\(\s*)?(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|WITH|CREATE|DROP|ALTER|TRUNCATE)\s/;
const SQL_CLAUSE = /\b(?:FROM|INTO|SET|WHERE|VALUES|JOIN|TABLE|AS)\b/i;
// Upper-case clause keywords that start the middle piece of a concatenated query.
const SQL_CONTINUATION = /^\s*(?:WHERE|AND|OR|ORDER BY|GROUP BY|LIMIT|OFFSET|VALUES|SET|FROM|JOIN|HAVING|IN)\b/;
const SECRET_NAME = /secret|passw(?:or)?d|token|api_?key|apikey|private_?key|pepper|credential|^key$|_key$|[a-z]Key$|^KEY_|_KEY_/i;
const NOT_SECRET_NAME =
  /public|publishable|name$|header$|field$|cookie$|param$|prefix$|url$|uri$|path$|file$|type$|length$|id$|ids$|_id$|expires|ttl$|event|code$|_code|message|label|placeholder|pattern|env$|_env|error/i;
// A value that is itself an identifier (an error code, an env variable's name), not a secret.
const CONSTANT_VALUE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const SECURITY_NAME = /token|secret|nonce|salt|passw|session|otp|csrf|apikey|api_key|^key|[a-z]Key\b|_key|code|uuid|guid|password|reset|verification|invite/i;
const MAX_EXCERPT = 60;

function looksLikeSql(text: string): boolean {
  return (SQL_START.test(text) && SQL_CLAUSE.test(text)) || SQL_CONTINUATION.test(text);
}

// A statement whose keyword (in any case) is followed by SQL structure: DELETE FROM, INSERT INTO,
// UPDATE t SET, SELECT <columns> FROM, CREATE/DROP/ALTER TABLE…, WITH x AS (.
const SQL_STRUCTURE =
  /^\s*(?:\(\s*)?(?:delete\s+from\s|insert\s+(?:or\s+[a-z]+\s+|ignore\s+)?into\s|(?:replace|merge|upsert)\s+into\s|update\s+[\w.$"`{}]+\s+set\s|select\s+(?:distinct\s+)?(?:\*|[\w.$"`(){}*]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.$"`(){}*]+(?:\s+as\s+\w+)?)*)\s+from\s|(?:create|drop|alter|truncate)\s+(?:table|index|view|schema|database|sequence|type|function|trigger|unique\s+index)\s|with\s+(?:recursive\s+)?\w+\s+as\s+\()/i;

/**
 * Whether text outside a query call reads as SQL: an upper-case statement keyword with a clause
 * (SQL style), a keyword followed by SQL structure, or an upper-case continuation clause. Prose
 * that starts with the same words (`Delete ${name} from your list?`) does not.
 */
function readsAsSql(text: string): boolean {
  return (SQL_START_UPPER.test(text) && SQL_CLAUSE.test(text)) || SQL_STRUCTURE.test(text) || SQL_CONTINUATION.test(text);
}

function isStringy(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'string' || t.kind === 'template');
}

/** Whether the template at `at` has a tag (String.raw, which only concatenates, does not count). */
function isTagged(tokens: readonly Token[], at: number): boolean {
  const prev = tokens[at - 1];
  if (prev === undefined || isStringRawTag(tokens, at)) return false;
  if (prev.kind === 'ident') return !KEYWORDS.has(prev.text);
  return prev.kind === 'punct' && (prev.text === ')' || prev.text === ']');
}

/** Whether the expression starting at `i` builds a string from pieces: `\`…${x}…\`` or `'…' + x` / `x + '…'`. */
function dynamicString(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  if (t === undefined) return false;
  if (t.kind === 'template') return (t.interpolated && !isTagged(tokens, i)) || concatArgument(tokens, i) !== -1;
  if (t.kind === 'string') return (tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.text === '+') || concatArgument(tokens, i) !== -1;
  // `x + '…'` directly as the argument
  return t.kind === 'ident' && tokens[i + 1]?.text === '+' && isStringy(tokens[i + 2]);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_EXCERPT ? `${flat.slice(0, MAX_EXCERPT)}…` : flat;
}

/** What one file produced: its findings, and how many an inline `rampart-ignore` suppressed. */
export interface LintResult {
  findings: Finding[];
  suppressed: number;
}

/** Lint one file's source. `file` is only copied into the findings. */
export function lintSource(source: string, file: string): LintResult {
  const comments: Comment[] = [];
  // JSX is read everywhere but in .ts/.mts/.cts, where `<T>x` is a type assertion.
  const tokens = tokenize(source, comments, { jsx: !/\.[mc]?ts$/i.test(file) });
  const out: Finding[] = [];
  const reported = new Set<Token>();
  const grownSql = new GrownSql();
  const requestCommands = new RequestCommands();
  // `const k = 'ev' + 'al'`: names whose value is a constant string, for computed members and keys.
  const constants = new Map<string, string>();
  // `const F = Function.prototype.constructor`: names bound to the Function constructor.
  const functionAliases = new Set<string>();
  // `const q = 'select ' + req.query.a`: names holding SQL text joined with request data, and that data.
  const sqlFromRequest = new Map<string, string>();
  const add = (id: string, at: Token, message: string, severity?: Severity): void => {
    out.push({ id, severity: severity ?? INFO.get(id)!.severity, message, file, line: at.line, column: at.column });
  };

  // `el.innerHTML = value` / `el['innerHTML'] = value`, the value at `valueAt`; `name` is the property.
  const markupAssignment = (t: Token, valueAt: number, how = '', name = t.text): void => {
    const value = tokens[valueAt];
    if (value !== undefined && dynamicString(tokens, valueAt)) add('RAMPART-S040', t, `${how}${name} is assigned interpolated or concatenated markup.`);
    else if (value?.kind === 'ident' && tokens[valueAt + 1]?.text !== '(' && readsRequestValue(followingExpression(tokens, valueAt)))
      add('RAMPART-S040', t, `${how}${name} is assigned request data (${excerpt(followingExpression(tokens, valueAt))}); escape or sanitise it.`);
    else if (value !== undefined && value.kind === 'ident' && tokens[valueAt + 1]?.text !== '(')
      add('RAMPART-S040', t, `${how}${name} is assigned the variable ${value.text}; make sure it is escaped or sanitised.`, 'warning');
  };

  // `document.write(…)`, `el.insertAdjacentHTML(pos, …)`: `name` is the method, its markup argument at `argAt`.
  const markupCall = (t: Token, argAt: number, name = t.text): void => {
    if (dynamicString(tokens, argAt)) add('RAMPART-S040', t, `${name}() receives interpolated or concatenated markup.`);
    else if (tokens[argAt]?.kind === 'ident' && tokens[argAt + 1]?.text !== '(' && readsRequestValue(followingExpression(tokens, argAt)))
      add('RAMPART-S040', t, `${name}() receives request data (${excerpt(followingExpression(tokens, argAt))}); escape or sanitise it.`);
  };

  // A computed member or key `[…]` opened at `open`, closed at `close`, whose constant value is `name`.
  const computedKey = (name: string, open: number, close: number): void => {
    const at = tokens[open + 1]!;
    const after = tokens[close + 1];
    const shown = `['${excerpt(name)}']`;
    const called = after?.text === '(' && tokens[close + 2]?.text !== ')';
    if (name === 'eval' && isGlobalReceiver(tokens, open - 1)) add('RAMPART-S020', at, `globalThis${shown} turns a string into code.`);
    else if (name === 'Function' && called && isGlobalReceiver(tokens, open - 1)) add('RAMPART-S021', at, `globalThis${shown}() turns a string into code.`);
    else if ((name === 'write' || name === 'writeln') && called && isDocument(tokens, open - 1)) markupCall(at, close + 2, `document${shown}`);
    else if (name === 'NODE_TLS_REJECT_UNAUTHORIZED' && after?.text === '=' && isZero(tokens[close + 2]))
      add('RAMPART-S050', at, 'NODE_TLS_REJECT_UNAUTHORIZED = "0" disables certificate verification process-wide.');
    else if (name === 'rejectUnauthorized' && after?.text === ':' && isFalseValue(tokens, close + 2))
      add('RAMPART-S050', at, 'rejectUnauthorized: false disables certificate verification.');
    else if (MARKUP_PROPERTIES.has(name) && isAssignment(after)) markupAssignment(at, close + 2, '', name);
    else if (name === 'constructor' && after?.text === '(' && tokens[close + 2]?.text !== ')' && isFunctionValue(tokens, open - 1))
      add('RAMPART-S021', at, 'the constructor of a function is Function(): it turns a string into code.');
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const calls = next?.kind === 'punct' && next.text === '(';

    if (t.kind === 'ident') {
      if ((t.text === 'const' || t.text === 'let' || t.text === 'var') && prev?.text !== '.') {
        declareConstants(tokens, i, constants);
        const alias = functionAlias(tokens, i);
        if (alias !== undefined) {
          if (functionAliases.size < MAX_NAMES) functionAliases.add(alias);
        } else if (tokens[i + 1]?.kind === 'ident') functionAliases.delete(tokens[i + 1]!.text);
      }
      // ── SQL through query functions, sql.unsafe, exec
      if (calls && QUERY_FUNCTIONS.has(t.text) && (prev?.text === '.' || prev?.text === '?.' || UNSAFE_FUNCTIONS.has(t.text) || t.text === 'query')) {
        const argAt = skipStringRaw(tokens, i + 2);
        const arg = tokens[argAt];
        if (arg?.text === '[' && arg.kind === 'punct') {
          const joined = joinedArraySql(tokens, argAt, reported);
          if (joined !== undefined) {
            add(
              'RAMPART-S001',
              t,
              `${t.text}() receives SQL joined from an array (${excerpt(joined.text)}) with ${excerpt(joined.slot)} in it; pass the values as parameters.`,
            );
            continue;
          }
        }
        const held = arg?.kind === 'ident' && [')', ','].includes(tokens[argAt + 1]?.text ?? '') ? sqlFromRequest.get(arg.text) : undefined;
        if (held !== undefined) {
          add('RAMPART-S001', t, `${t.text}() receives ${arg!.text}, SQL built from request data (${excerpt(held)}); pass the values as parameters.`);
          continue;
        }
        if (arg !== undefined && dynamicString(tokens, argAt)) {
          const text = isStringy(arg) ? arg.text : (tokens[argAt + 2]?.text ?? '');
          if (looksLikeSql(text) || UNSAFE_FUNCTIONS.has(t.text)) {
            reported.add(arg);
            if (isStringy(tokens[argAt + 2])) reported.add(tokens[argAt + 2]!);
            const slot = riskyArgument(tokens, argAt);
            if (slot === undefined) continue;
            add('RAMPART-S001', t, `${t.text}() receives SQL built from pieces (${excerpt(text)}) with ${excerpt(slot)} in it; pass the values as parameters.`);
            continue;
          }
          // `"select " + req.query.a`, `"SELECT " + cols + " FROM t"`: SQL only once its pieces are joined
          if (arg.kind === 'string' && tokens[argAt + 1]?.text === '+') {
            const joined = readConcatenation(tokens, argAt);
            if (joined.slot !== undefined && (looksLikeSql(joined.text) || (SQL_START.test(joined.text) && readsRequestValue(joined.slot)))) {
              for (let j = argAt; j < joined.end; j++) if (isStringy(tokens[j])) reported.add(tokens[j]!);
              add(
                'RAMPART-S001',
                t,
                `${t.text}() receives SQL built from pieces (${excerpt(joined.text)}) with ${excerpt(joined.slot)} in it; pass the values as parameters.`,
              );
              continue;
            }
          }
        } else if (
          UNSAFE_FUNCTIONS.has(t.text) &&
          arg !== undefined &&
          arg.text !== ')' &&
          tokens[i + 3]?.text !== ':' &&
          !(arg.kind === 'string' || (arg.kind === 'template' && !arg.interpolated))
        ) {
          // (`unsafe(text: string)` is a declaration, not a call)
          add('RAMPART-S003', t, `${t.text}() is called with a query that is not a literal.`);
          continue;
        }
      }
      if (calls && EXEC_FUNCTIONS.has(t.text) && dynamicString(tokens, i + 2)) {
        const arg = tokens[i + 2]!;
        if (!(isStringy(arg) && looksLikeSql(arg.text))) {
          add('RAMPART-S030', t, `${t.text}() runs a shell command built from pieces; use execFile()/spawn() with an argument array.`);
          continue;
        }
      }
      if (calls && SHELL_FUNCTIONS.has(t.text)) {
        const read = requestCommands.commandFromRequest(tokens, i);
        if (read !== undefined) {
          add('RAMPART-S030', t, `${t.text}() runs a shell command holding request data (${excerpt(read)}); use execFile()/spawn() with an argument array.`);
          continue;
        }
      }
      if (next?.text === '=' && prev?.text !== '.' && prev?.text !== '?.') {
        requestCommands.assigned(tokens, i, looksLikeSql);
        sqlFromRequest.delete(t.text);
      }
      // ── string to code
      // (`eval(script: string)` in an interface or class is a declaration, not a call)
      if (t.text === 'eval' && calls && prev?.text !== '.' && prev?.text !== 'function' && tokens[i + 3]?.text !== ':')
        add('RAMPART-S020', t, 'eval() turns a string into code.');
      else if (t.text === 'eval' && (prev?.text === '{' || prev?.text === ',') && destructuredFromGlobal(tokens, i))
        add('RAMPART-S020', t, 'eval is destructured from the global object (the alias still turns a string into code).');
      else if (t.text === 'eval') {
        const viaGlobal = (prev?.text === '.' || prev?.text === '?.') && isGlobalReceiver(tokens, i - 2);
        if (viaGlobal) add('RAMPART-S020', t, `${tokens[i - 2]!.kind === 'ident' ? tokens[i - 2]!.text : 'globalThis'}.eval turns a string into code.`);
        else if (!calls && prev !== undefined && EVAL_VALUE_BEFORE.has(prev.text) && next?.text !== ':' && next?.text !== '?')
          add('RAMPART-S020', t, 'eval is used as a value (an alias or an indirect call still turns a string into code).');
      }
      if ((t.text === 'setTimeout' || t.text === 'setInterval') && calls && stringTimer(tokens, i))
        add('RAMPART-S020', t, `${t.text}() with a string runs it as code; pass a function.`);
      if (
        calls &&
        functionAliases.has(t.text) &&
        !['.', '?.', 'function'].includes(prev?.text ?? '') &&
        tokens[i + 2]?.text !== ')' &&
        tokens[i + 3]?.text !== ':'
      )
        add('RAMPART-S021', t, `${t.text} is the Function constructor: ${t.text}() turns a string into code.`);
      // `const { Function: G } = globalThis`: G is the constructor too
      if (
        t.text === 'Function' &&
        (prev?.text === '{' || prev?.text === ',') &&
        next?.text === ':' &&
        tokens[i + 2]?.kind === 'ident' &&
        functionAliases.size < MAX_NAMES &&
        destructuredFromGlobal(tokens, i)
      )
        functionAliases.add(tokens[i + 2]!.text);
      if (t.text === 'Function' && calls && functionConstructor(tokens, i))
        add('RAMPART-S021', t, `${prev?.text === 'new' ? 'new ' : ''}Function() turns a string into code.`);
      // `Function.prototype.constructor(code)`, `[].constructor.constructor(code)`: the same constructor
      if (t.text === 'constructor' && calls && (prev?.text === '.' || prev?.text === '?.') && tokens[i + 2]?.text !== ')' && isFunctionValue(tokens, i - 2))
        add('RAMPART-S021', t, 'the constructor of a function is Function(): it turns a string into code.');
      // `Function.call(null, code)`, `Function.bind(null, code)`, `Reflect.construct(Function, [code])`
      if (
        (t.text === 'call' || t.text === 'apply' || t.text === 'bind') &&
        calls &&
        prev?.text === '.' &&
        tokens[i + 2]?.text !== ')' &&
        isFunctionConstructor(tokens, i - 2)
      )
        add('RAMPART-S021', t, `Function.${t.text}() still builds a function from a string.`);
      if ((t.text === 'construct' || t.text === 'apply') && calls && prev?.text === '.' && tokens[i - 2]?.text === 'Reflect' && reflectsFunction(tokens, i))
        add('RAMPART-S021', t, `Reflect.${t.text}(Function, …) builds a function from a string.`);
      // ── DOM XSS
      if (MARKUP_PROPERTIES.has(t.text) && prev?.text === '.' && isAssignment(next)) markupAssignment(t, i + 2);
      if (t.text === 'assign' && calls && prev?.text === '.' && tokens[i - 2]?.text === 'Object' && tokens[i - 3]?.text !== '.')
        for (const { key, name, valueAt } of objectAssignMarkup(tokens, i, constants)) markupAssignment(key, valueAt, 'Object.assign sets ', name);
      if (
        (t.text === 'insertAdjacentHTML' ||
          ((t.text === 'write' || t.text === 'writeln') && (prev?.text === '.' || prev?.text === '?.') && tokens[i - 2]?.text === 'document')) &&
        calls
      ) {
        markupCall(t, t.text === 'insertAdjacentHTML' ? i + 4 : i + 2);
      }
      if (t.text === 'dangerouslySetInnerHTML') add('RAMPART-S041', t, 'dangerouslySetInnerHTML renders raw HTML.');
      // ── TLS verification
      if (t.text === 'rejectUnauthorized' && next?.text === ':' && isFalseValue(tokens, i + 2))
        add('RAMPART-S050', t, 'rejectUnauthorized: false disables certificate verification.');
      if (t.text === 'NODE_TLS_REJECT_UNAUTHORIZED' && next?.text === '=' && isZero(tokens[i + 2]))
        add('RAMPART-S050', t, 'NODE_TLS_REJECT_UNAUTHORIZED = "0" disables certificate verification process-wide.');
      // ── SQL grown in a variable: q += x, q = q + x
      if (!calls) {
        const grown = grownSql.grown(tokens, i);
        if (grown !== undefined) {
          add('RAMPART-S002', t, `SQL in ${t.text} is grown with ${excerpt(grown.slot)}; pass the values as parameters.`);
          // One finding per growth: its SQL pieces are not reported again as built in place.
          for (let j = grown.from; j < grown.to; j++) if (isStringy(tokens[j])) reported.add(tokens[j]!);
        } else if (next?.text === '=' && isStringy(tokens[i + 2]) && looksLikeSql(tokens[i + 2]!.text) && prev?.text !== '.' && prev?.text !== '?.')
          grownSql.assigned(t.text, tokens[i + 2]!.text);
      }
      // ── Math.random for secrets
      if (t.text === 'random' && prev?.text === '.' && tokens[i - 2]?.text === 'Math' && calls) {
        const name = securityNameOnLine(tokens, i);
        if (name !== undefined) add('RAMPART-S060', t, `Math.random() feeds ${name}; use crypto.randomBytes()/randomUUID().`);
      }
    }

    // ── computed member names and keys, quoted or folded from constant pieces: globalThis['eval'],
    // globalThis['ev' + 'al'], process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0', { ['rejectUnauthorized']: false },
    // el['innerHTML'] = …, Function['constructor'](code)
    if (t.kind === 'punct' && t.text === '[' && next !== undefined) {
      const key = foldedKey(tokens, i, constants);
      if (key !== undefined) computedKey(key.value, i, key.close);
    }
    // `{ 'rejectUnauthorized': false }`
    if (isPlainString(t) && t.text === 'rejectUnauthorized' && prev?.text !== '[' && next?.text === ':' && isFalseValue(tokens, i + 2))
      add('RAMPART-S050', t, 'rejectUnauthorized: false disables certificate verification.');

    // ── hard-coded secrets: name = 'literal', name: 'literal', env.NAME ?? 'literal'
    if (
      (t.kind === 'ident' || t.kind === 'string') &&
      SECRET_NAME.test(t.text) &&
      !NOT_SECRET_NAME.test(t.text) &&
      next?.kind === 'punct' &&
      ['=', ':', '??', '||'].includes(next.text)
    ) {
      const value = tokens[i + 2];
      const after = tokens[i + 3];
      if (
        value !== undefined &&
        (value.kind === 'string' || (value.kind === 'template' && !value.interpolated)) &&
        after?.text !== '+' &&
        after?.text !== '.'
      ) {
        const verdict = CONSTANT_VALUE.test(value.text) ? undefined : secretVerdict(value.text);
        if (verdict !== undefined)
          add('RAMPART-S010', value, `${t.text} is set to ${verdict}; load it from the environment (rampart keys secret generates one).`);
      }
    }

    // ── SQL strings built outside a query call
    const reportedBefore = out.length;
    if (!reported.has(t) && isStringy(t) && readsAsSql(t.text)) {
      const concatenated = (next?.text === '+' && tokens[i + 2]?.kind !== 'string') || concatArgument(tokens, i) !== -1;
      const interpolated = t.kind === 'template' && t.interpolated && !isTagged(tokens, i);
      const joined = next?.text === ',' && !isStringy(tokens[i + 2]) && inJoinedArray(tokens, i);
      const slot = concatenated ? riskyConcatenation(tokens, i) : interpolated ? riskyTemplate(t) : joined ? riskyElement(tokens, i) : undefined;
      if (slot !== undefined) add('RAMPART-S002', t, `SQL built from pieces: ${excerpt(t.text)} with ${excerpt(slot)} in it`);
    } else if (!reported.has(t) && t.kind === 'string' && next?.text === '+' && prev?.text !== '+') {
      // `"SELECT " + req.query.cols + " FROM users"`: SQL only once its pieces are joined
      const joined = readConcatenation(tokens, i);
      if (joined.slot !== undefined && looksLikeSql(joined.text) && (SQL_START_UPPER.test(t.text) || readsRequestValue(joined.slot))) {
        for (let j = i; j < joined.end; j++) if (isStringy(tokens[j])) reported.add(tokens[j]!);
        add('RAMPART-S002', t, `SQL built from pieces: ${excerpt(joined.text)} with ${excerpt(joined.slot)} in it`);
      }
    }
    // `const q = 'select ' + req.query.a` (not reported here: a bare keyword is SQL only in a query call)
    if (
      out.length === reportedBefore &&
      isStringy(t) &&
      prev?.text === '=' &&
      tokens[i - 2]?.kind === 'ident' &&
      !['.', '?.'].includes(tokens[i - 3]?.text ?? '')
    ) {
      const read = requestSql(tokens, i);
      if (read !== undefined && (sqlFromRequest.size < MAX_NAMES || sqlFromRequest.has(tokens[i - 2]!.text))) sqlFromRequest.set(tokens[i - 2]!.text, read);
    }
  }
  const codeLines = new Set<number>();
  for (const t of tokens) codeLines.add(t.line);
  return applySuppressions(out, comments, codeLines, file, KNOWN_IDS);
}

const KNOWN_IDS: ReadonlySet<string> = new Set(LINT_RULES.map((r) => r.id));

/** Names remembered per file (function aliases, SQL variables): memory stays bounded. */
const MAX_NAMES = 1000;

/**
 * The request data in the SQL that starts at the string or template at `at` (`'select ' +
 * req.query.a`, `` `select ${req.body.cols}` ``): a statement keyword first, request data in a slot.
 */
function requestSql(tokens: readonly Token[], at: number): string | undefined {
  const t = tokens[at]!;
  if (t.kind === 'template' && t.interpolated && !isTagged(tokens, at) && SQL_START.test(t.text) && tokens[at + 1]?.text !== '+') {
    const read = t.expressions?.find((e) => readsRequestValue(e.trim()));
    return read?.trim();
  }
  if (t.kind !== 'string' || tokens[at + 1]?.text !== '+') return undefined;
  const joined = readConcatenation(tokens, at);
  return joined.slot !== undefined && SQL_START.test(joined.text) && readsRequestValue(joined.slot) ? joined.slot : undefined;
}

function riskyTemplate(t: Token): string | undefined {
  return riskyTemplateSlot(t.text, t.expressions ?? []);
}

/** The expression after `piece +` (a few tokens, up to the next operator or closing bracket). */
function followingExpression(tokens: readonly Token[], from: number): string {
  let text = '';
  for (let j = from; j < tokens.length && j < from + 20; j++) {
    const t = tokens[j]!;
    if (t.kind === 'punct' && ['+', ')', ',', ';', ']', '}'].includes(t.text)) break;
    text += t.text;
  }
  return text;
}

/** `'…' + expr` or `'…'.concat(expr)`: the expression when its slot is risky. */
function riskyConcatenation(tokens: readonly Token[], at: number): string | undefined {
  const concat = concatArgument(tokens, at);
  const expression = followingExpression(tokens, concat === -1 ? at + 2 : concat);
  return riskySlot(tokens[at]!.text, expression) ? expression : undefined;
}

/** The risky piece of the argument at `at` that dynamicString() accepted, if any. */
function riskyArgument(tokens: readonly Token[], at: number): string | undefined {
  const arg = tokens[at]!;
  if (arg.kind === 'template') return riskyTemplate(arg);
  if (arg.kind === 'string') return riskyConcatenation(tokens, at);
  // `x + '…'`: the statement itself starts with an expression.
  return arg.text;
}

/** `['…', expr, …].join()`: the element after the SQL piece at `at` when its slot is risky. */
function riskyElement(tokens: readonly Token[], at: number): string | undefined {
  const expression = followingExpression(tokens, at + 2);
  return riskySlot(tokens[at]!.text, expression) ? expression : undefined;
}

/**
 * A query argument `[…].join(…)` with a SQL piece followed by a risky element: that piece and
 * the element (its string elements are marked reported, so S002 does not repeat the finding).
 */
function joinedArraySql(tokens: readonly Token[], open: number, reported: Set<Token>): { text: string; slot: string } | undefined {
  const elements = arrayElements(tokens, open);
  const last = elements.at(-1)!;
  if (!inJoinedArray(tokens, last)) return undefined;
  for (const at of elements) {
    const piece = tokens[at];
    if (!isStringy(piece) || tokens[at + 1]?.text !== ',' || isStringy(tokens[at + 2]) || !looksLikeSql(piece.text)) continue;
    const slot = riskyElement(tokens, at);
    if (slot === undefined) continue;
    for (const j of elements) if (isStringy(tokens[j])) reported.add(tokens[j]!);
    return { text: piece.text, slot };
  }
  return undefined;
}

/** `'0'`, `"0"` or `0`: the value that turns NODE_TLS_REJECT_UNAUTHORIZED off. */
function isZero(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'string' || t.kind === 'number') && t.text === '0';
}

/**
 * `Function(…)` at `at` builds a function from strings: `new Function(…)`, `Function(code)`
 * called plainly or through the global object. Not a method named Function, a declaration
 * (`function Function(`), or `Function()` with no source.
 */
function functionConstructor(tokens: readonly Token[], at: number): boolean {
  const prev = tokens[at - 1];
  if (prev?.text === '.' || prev?.text === '?.') return isGlobalReceiver(tokens, at - 2);
  if (prev?.text === 'new') return true;
  return prev?.text !== 'function' && tokens[at + 2]?.text !== ')' && tokens[at + 3]?.text !== ':';
}

/** The receiver ending at `at` is `document`: the name (also `window.document`) or `['document']`. */
function isDocument(tokens: readonly Token[], at: number): boolean {
  const t = tokens[at];
  if (t?.kind === 'ident') return t.text === 'document' && (!['.', '?.'].includes(tokens[at - 1]?.text ?? '') || isGlobalReceiver(tokens, at - 2));
  return t?.text === ']' && isPlainString(tokens[at - 1]) && tokens[at - 1]!.text === 'document' && tokens[at - 2]?.text === '[';
}

/** `= `, `+=`: the token after an assignment target. */
function isAssignment(t: Token | undefined): boolean {
  return t?.kind === 'punct' && (t.text === '=' || t.text === '+=');
}

// Tokens after which `eval` (not called) is a value: an alias, an argument, an indirect call.
const EVAL_VALUE_BEFORE: ReadonlySet<string> = new Set(['=', '(', ',', '[', 'return', '?', ':', '||', '??', '&&', '=>']);

/**
 * `setTimeout(…)` / `setInterval(…)` at `at` (global or through the global object) whose
 * first argument is a string, a string built from pieces, or request data: run as code.
 */
function stringTimer(tokens: readonly Token[], at: number): boolean {
  const prev = tokens[at - 1];
  if (prev?.text === 'function') return false;
  if ((prev?.text === '.' || prev?.text === '?.') && !GLOBAL_OBJECTS.has(tokens[at - 2]?.text ?? '')) return false;
  const arg = tokens[at + 2];
  if (arg === undefined || tokens[at + 3]?.text === ':') return false; // a declaration `setTimeout(cb: …)`
  if (arg.kind === 'string' || arg.kind === 'template' || dynamicString(tokens, at + 2)) return true;
  return arg.kind === 'ident' && readsRequestValue(followingExpression(tokens, at + 2));
}

function secretVerdict(value: string): string | undefined {
  if (value.length === 0 || value.length > 4096) return undefined;
  const problems = checkSecret(value);
  if (problems.some((p) => p.code === 'SECRET_PLACEHOLDER')) return 'a placeholder value';
  if (value.length >= 20 && !/\s/.test(value) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && estimateEntropyBits(value) >= 80)
    return 'a high-entropy literal (a real secret in the source)';
  return undefined;
}

/** An identifier on the same line as token `at` that names a secret-like value, if any. */
function securityNameOnLine(tokens: readonly Token[], at: number): string | undefined {
  const line = tokens[at]!.line;
  for (let j = at - 1; j >= 0 && j >= at - 40 && tokens[j]!.line === line; j--) {
    const t = tokens[j]!;
    if (t.kind === 'ident' && SECURITY_NAME.test(t.text)) return t.text;
  }
  for (let j = at + 1; j < tokens.length && j <= at + 40 && tokens[j]!.line === line; j++) {
    const t = tokens[j]!;
    if (t.kind === 'ident' && SECURITY_NAME.test(t.text)) return t.text;
  }
  return undefined;
}
