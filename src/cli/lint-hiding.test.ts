import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { tokenize } from './lint-lexer.ts';
import { lintSource } from './lint-rules.ts';

const ids = (source: string, file: string): string[] => lintSource(source, file).findings.map((f) => `${f.line} ${f.id}`);

// Three sinks on lines 3, 4 and 5 of every hostile file below.
const SINKS = [
  "db.query('SELECT * FROM t WHERE id = ' + req.params.id);",
  "require('child_process').exec('ls ' + req.query.d);",
  `el.innerHTML = \`<b>\${req.query.x}</b>\`;`,
].join('\n');
const EXPECTED = ['3 RAMPART-S001', '4 RAMPART-S030', '5 RAMPART-S040'];

test('lexer: a regex literal after the `)` of an if/while/for/with head holds a backtick without hiding the next lines', () => {
  for (const head of ['if (ok)', 'while (x(1))', 'for (const s of list)', 'for await (const s of list)', 'with (o)']) {
    const source = `declare const req: any, db: any, el: any, ok: any, s: string;\n${head} /\`/.test(s);\n${SINKS}\n`;
    assert.deepEqual(ids(source, 'hostile.ts'), EXPECTED, head);
    assert.equal(tokenize(source).filter((t) => t.kind === 'regex').length, 1, head);
  }
  // A call's `)` is still a value: `/` divides.
  assert.deepEqual(
    tokenize('f(a) / 2 / g(b)').map((t) => t.kind),
    ['ident', 'punct', 'ident', 'punct', 'punct', 'number', 'punct', 'ident', 'punct', 'ident', 'punct'],
  );
  // `x.if (a) / 2` is a method named if, not a statement head.
  assert.ok(!tokenize('x.if(a) / 2 / 3').some((t) => t.kind === 'regex'));
});

test('lexer: a backtick in JSX text (.tsx/.jsx/.js) does not open a template', () => {
  const component = [
    'declare const req: any, db: any, el: any;',
    'const P = () => <p className="x">Don`t {"a"} <b>it`s</b> <br/> say /* that </p>;',
    SINKS,
    'export const Q = () => <>`</>;',
    "db.query('SELECT * FROM t WHERE id = ' + req.params.id);",
  ].join('\n');
  for (const file of ['c.tsx', 'c.jsx', 'c.js', 'c.mjs']) assert.deepEqual(ids(component, file), [...EXPECTED, '7 RAMPART-S001'], file);
  // JSX expressions are code: their sinks are found, and templates inside them are templates.
  const inside = `const A = () => <div title={\`a\${b}\`} onClick={() => eval(code)}>{\`x\`}</div>;\neval(y)\n`;
  assert.deepEqual(ids(inside, 'a.tsx'), ['1 RAMPART-S020', '2 RAMPART-S020']);
  // A generic arrow function in .tsx (`<T,>`, `<T extends U>`) and comparisons are not JSX.
  const generic = 'const f = <T,>(x: T) => x;\nconst g = <T extends object>(x: T) => x;\nif (a < b) eval(c)\n';
  assert.deepEqual(ids(generic, 'g.tsx'), ['3 RAMPART-S020']);
  // Generic signatures in type positions, and a type parameter with a default, are not JSX either.
  // (Many in one file: each is read right the first time, no re-reading needed.)
  const signatures = [
    ...Array.from({ length: 4 }, () => ['type Id = <T>(x: T) => T;', 'const h: <U>(u: U) => U = (u) => u;', 'const k = <T = unknown>(x: T): T => x;']).flat(),
    'const note = <b>(optional) {"`"}</b>;',
    'eval(c)',
  ].join('\n');
  assert.deepEqual(ids(signatures, 's.tsx'), ['14 RAMPART-S020']);
  assert.ok(!tokenize(signatures, undefined, { jsx: true }).some((t) => t.kind === 'template'));
});

test('lexer: a backtick right after a division or a word after `>` opens no template unless it closes on its line', () => {
  // `}` then a regex: read as a division (a block and an object cannot be told apart), and JSX text in a .js file.
  for (const [file, hostile] of [
    ['block.ts', 'function f() {}\n/`/.test(s);'],
    ['view.ts', 'const P = () => <p>Don`t</p>;'],
  ] as const) {
    const source = `declare const req: any, db: any, el: any;\n${hostile}\n${SINKS}\n`;
    assert.deepEqual(ids(source, file), hostile.includes('\n') ? EXPECTED.map((f) => `${Number(f.split(' ')[0]) + 1} ${f.split(' ')[1]}`) : EXPECTED, file);
  }
  // A template after a division that closes on its line is still a template.
  assert.equal(tokenize('const x = a / `b` + `c`').filter((t) => t.kind === 'template').length, 2);
});

test('lexer: a template or JSX element that proves misread is re-read as code from its opening character', () => {
  const sinks = ["db.query('SELECT * FROM t WHERE id = ' + req.params.id);", "require('child_process').exec('ls ' + req.query.d);"].join('\n');
  // Left open at the end of the file: a stray backtick and a stray `<` the lexer cannot explain.
  assert.deepEqual(ids(`declare const req: any, db: any;\nconst weird = a \` b;\n${sinks}\n`, 'stray.ts'), ['3 RAMPART-S001', '4 RAMPART-S030']);
  assert.deepEqual(ids(`declare const req: any, db: any;\nconst weird = <a b;\n${sinks}\n`, 'stray.tsx'), ['3 RAMPART-S001', '4 RAMPART-S030']);
  // A stray backtick that pairs with a later template's opening one: that "template" is directly
  // followed by a name (\`SELECT), or `${` then shows up in code.
  const later = [
    'declare const req: any, db: any, el: any;',
    'const weird = a ` b;',
    sinks,
    `db.query(\`SELECT * FROM t WHERE id = \${req.params.id}\`);`,
    `el.innerHTML = \`<b>\${req.query.x}</b>\`;`,
    sinks,
  ].join('\n');
  assert.deepEqual(ids(later, 'later.ts'), ['3 RAMPART-S001', '4 RAMPART-S030', '5 RAMPART-S001', '6 RAMPART-S040', '7 RAMPART-S001', '8 RAMPART-S030']);
  const markup = ['declare const req: any, db: any, el: any;', 'const weird = a ` b;', sinks, `el.innerHTML = \`<b>\${req.query.x}</b>\`;`, sinks].join('\n');
  assert.deepEqual(ids(markup, 'markup.ts'), ['3 RAMPART-S001', '4 RAMPART-S030', '5 RAMPART-S040', '6 RAMPART-S001', '7 RAMPART-S030']);
  // Bounded: re-reading costs at most a few passes over the file, whatever it holds.
  for (const hostile of [`${'`${'.repeat(20_000)}\n${'`'.repeat(20_001)}\neval(x)\n`, '`a`b'.repeat(20_000), `${'`x`\n${'.repeat(20_000)}`]) {
    assert.ok(tokenize(hostile).length < hostile.length * 2);
  }
  // A checkpoint costs O(1) however deep the open parentheses are.
  const deep = `${'('.repeat(50_000)}${'`x`'.repeat(50_000)}`;
  assert.equal(tokenize(deep).filter((t) => t.kind === 'template').length, 50_000);
  const jsx = `${'<a>'.repeat(20_000)}\n${'{<b>'.repeat(20_000)}`;
  assert.ok(tokenize(jsx, undefined, { jsx: true }).length < jsx.length * 2);
});

test('lexer differential: in hostile JSX every identifier of code the TypeScript parser sees is a token at its line and column', () => {
  // Stored as .txt: neither tsc (no --jsx here) nor Biome reads it; the parser is told it is TSX.
  const file = fileURLToPath(new URL('./fixtures/lint-division/hostile.tsx.txt', import.meta.url));
  const source = readFileSync(file, 'utf8');
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const seen = new Set(tokenize(source, undefined, { jsx: true }).map((t) => `${t.line}:${t.column} ${t.text}`));
  const missing: string[] = [];
  let identifiers = 0;
  const visit = (node: ts.Node): void => {
    // Tag and attribute names are JSX, not code.
    const parent = node.parent;
    const jsxName =
      parent !== undefined &&
      (ts.isJsxOpeningElement(parent) || ts.isJsxClosingElement(parent) || ts.isJsxSelfClosingElement(parent) || ts.isJsxAttribute(parent));
    if (ts.isIdentifier(node) && !jsxName) {
      identifiers++;
      const { line, character } = tree.getLineAndCharacterOfPosition(node.getStart(tree));
      const key = `${line + 1}:${character + 1} ${node.text}`;
      if (!seen.has(key)) missing.push(key);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  assert.ok(identifiers > 40);
  assert.deepEqual(missing, []);
  assert.deepEqual(ids(source, 'hostile.tsx'), ['34 RAMPART-S001']);
});
