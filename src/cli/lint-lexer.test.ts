import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { tokenize } from './lint-lexer.ts';
import { lintSource } from './lint-rules.ts';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`./fixtures/lint-division/${name}`, import.meta.url)), 'utf8');
const at = (source: string, file: string): string[] => lintSource(source, file).findings.map((f) => `${f.line}:${f.column} ${f.id}`);

test('lexer: `/` after postfix ++/-- is a division, so the sinks on the next lines are found at their lines', () => {
  // hide2.js: `let a = i++ / 1` (ASI) followed by a sink, four times.
  assert.deepEqual(at(fixture('hide2.js'), 'hide2.js'), ['6:1 RAMPART-S020', '8:15 RAMPART-S030', '10:4 RAMPART-S001', '12:15 RAMPART-S040']);
});

test('lexer: `/` after a keyword used as a property name (.return, .typeof, .in) or after ]/this/template/bigint is a division', () => {
  const lines = at(fixture('b.js'), 'b.js').map((f) => f.split(':')[0]);
  assert.deepEqual(lines, ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('lexer: a `/` whose "regex" would cross a line end is a division, and a string continued over a line keeps the count', () => {
  // `of` is a variable here, not the keyword of for…of: the lexer guesses regex, finds no closing `/`.
  const tokens = tokenize('const of = 4, y = of / 2\neval(z)\nconst s = "one\\\ntwo"; eval(w)\n');
  const evals = tokens.filter((t) => t.text === 'eval').map((t) => `${t.line}:${t.column}`);
  assert.deepEqual(evals, ['2:1', '4:7']);
  // `return` as a keyword still starts a regex; after `.` it is a property name.
  const kinds = tokenize('function f() { return /a/g.test(x) }\nconst r = o.return / 2 / 3').map((t) => t.kind);
  assert.equal(kinds.filter((k) => k === 'regex').length, 1);
});

/** Every .js file under `dir` (bounded by `budget` characters in all). */
function corpus(dir: string, budget: { left: number }, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of entries) {
    if (budget.left <= 0) break;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) corpus(path, budget, out);
    else if (/\.(?:c|m)?js$/.test(name) && stat.size < 400_000) {
      out.push(path);
      budget.left -= stat.size;
    }
  }
  return out;
}

/** Identifiers as TypeScript's parser sees them: `line:column name` (1-based, as the lexer counts). */
function parserIdentifiers(source: string, file: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const start = node.getStart(sf);
      const text = source.slice(start, node.end);
      // Escaped identifiers (\u0061) are spelled differently by the lexer; skip them.
      if (!text.includes('\\')) {
        const { line, character } = sf.getLineAndCharacterOfPosition(start);
        out.push(`${line + 1}:${character + 1} ${text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test('lexer differential: on real JavaScript every identifier the TypeScript parser sees is a lexer token at the same line and column', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const files = [
    ...corpus(join(root, 'node_modules/express/lib'), { left: 200_000 }),
    ...corpus(join(root, 'node_modules/postgres/cjs/src'), { left: 200_000 }),
    ...corpus(join(root, 'node_modules/fastify/lib'), { left: 400_000 }),
    ...corpus(join(root, 'node_modules/hono/dist/cjs'), { left: 600_000 }),
    // The tester's reproductions: postfix ++/--, keywords as property names.
    ...corpus(fileURLToPath(new URL('./fixtures/lint-division', import.meta.url)), { left: 100_000 }),
    ...corpus(join(root, 'dist'), { left: 600_000 }),
  ];
  assert.ok(files.length > 50, `corpus too small: ${files.length} files`);
  const drifted: string[] = [];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    // TypeScript also counts lone CR, U+2028 and U+2029 as line ends; the lexer counts \n only.
    if (/\r(?!\n)|[\u2028\u2029]/.test(source)) continue;
    const lexed = new Set(tokenize(source).flatMap((t) => (t.kind === 'ident' ? [`${t.line}:${t.column} ${t.text}`] : [])));
    const missing = parserIdentifiers(source, file).find((id) => !lexed.has(id));
    if (missing !== undefined) drifted.push(`${file.slice(root.length)}: ${missing}`);
  }
  assert.deepEqual(drifted, []);
});
