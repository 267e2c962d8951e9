import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintSource } from './lint-rules.ts';

const findings = (lines: readonly string[], file = 'app.js'): string[] => lintSource(lines.join('\n'), file).findings.map((f) => `${f.line} ${f.id}`);
const messages = (lines: readonly string[]): string[] => lintSource(lines.join('\n'), 'app.js').findings.map((f) => `${f.line} ${f.message}`);

test('S021: the Function constructor read from the global object by a computed member, quoted or folded through a const', () => {
  const source = [
    "globalThis['Function'](req.body.c)();",
    "const k = 'Func' + 'tion';",
    'globalThis[k](req.body.c)();',
    'window[`Function`](code);',
    "globalThis['Function']();",
    "obj['Function'](code);",
  ];
  assert.deepEqual(findings(source), ['1 RAMPART-S021', '3 RAMPART-S021', '4 RAMPART-S021']);
});

test('S040: document.write/writeln through a computed member, quoted or folded', () => {
  const source = [
    "document['write'](req.query.q);",
    "document['wri' + 'te'](req.query.q);",
    `document[\`writeln\`](\`<b>\${x}</b>\`);`,
    "window['document']['write'](req.query.q);",
    "document['write']('<p>static</p>');",
    "other['write'](req.query.q);",
  ];
  assert.deepEqual(findings(source), ['1 RAMPART-S040', '2 RAMPART-S040', '3 RAMPART-S040', '4 RAMPART-S040']);
});

test('S021: a const alias of the Function constructor, called', () => {
  const source = [
    'const F = Function.prototype.constructor;',
    'F(req.body.code)();',
    'const G = Function;',
    'G(code);',
    'const H = (async () => {}).constructor;',
    'H(code);',
    'const J = Function.prototype.constructor;',
    'let J2 = 1; J();',
    'const K = something.constructor; K(code);',
    'const { Function: L } = globalThis; L(req.body.c);',
    'const { Function: M } = other; M(code);',
  ];
  assert.deepEqual(findings(source), ['2 RAMPART-S021', '4 RAMPART-S021', '6 RAMPART-S021', '10 RAMPART-S021']);
  // Declared again without it: forgotten.
  assert.deepEqual(findings(['const F = Function;', 'function f() { const F = makeThing(); F(x); }']), []);
});

test('S001: SQL joined with request data into a variable, then queried', () => {
  const source = [
    "const q = 'select ' + req.query.a;",
    'db.query(q);',
    `const r = \`select \${req.body.cols}\`;`,
    'await pool.query(r);',
    "const label = 'select ' + req.query.a;",
    'console.log(label);',
    "const s = 'select ' + name;",
    'db.query(s);',
  ];
  assert.deepEqual(findings(source), ['2 RAMPART-S001', '4 RAMPART-S001']);
  assert.match(messages(source)[0]!, /query\(\) receives q, SQL built from request data \(req\.query\.a\)/);
  // Assigned again without request data: forgotten.
  assert.deepEqual(findings(["let q = 'select ' + req.query.a;", "q = 'select 1';", 'db.query(q);']), []);
});

test('S002: UI strings that start with a statement keyword are not SQL; real SQL templates still are', () => {
  const prose = [
    `const a = \`Delete \${name} from your list?\`;`,
    `const b = \`Insert \${coin} into the slot\`;`,
    `const c = \`select an option from the list \${name}\`;`,
    `const d = \`Update \${count} rows where needed\`;`,
    `const e = \`Select \${n} items from \${list}\`;`,
    `const f = \`Could not update \${name}: values differ\`;`,
  ];
  assert.deepEqual(findings(prose), []);
  const sql = [
    `const a = \`DELETE FROM users WHERE id = \${id}\`;`,
    `const b = \`delete from users where id = '\${id}'\`;`,
    `const c = \`insert into users (name) values (\${name})\`;`,
    `const d = \`select id, name from users where email = '\${email}'\`;`,
    `const e = \`select * from users where id = \${id}\`;`,
    `const f = \`update users set name = \${name} where id = 1\`;`,
    `const g = \`SELECT name FROM t WHERE id = \${id}\`;`,
    `const h = \`Select count(*) from users where id = \${id}\`;`,
  ];
  assert.deepEqual(findings(sql), [
    '1 RAMPART-S002',
    '2 RAMPART-S002',
    '3 RAMPART-S002',
    '4 RAMPART-S002',
    '5 RAMPART-S002',
    '6 RAMPART-S002',
    '7 RAMPART-S002',
    '8 RAMPART-S002',
  ]);
  // Passed to a query call, lower-case SQL with a keyword and a clause is SQL whatever it reads like.
  assert.deepEqual(findings([`db.query(\`select name from \${t} where id = \${id}\`);`, `db.query(\`delete \${x} from t where id = \${id}\`);`]), [
    '1 RAMPART-S001',
    '2 RAMPART-S001',
  ]);
});

test('messages name a folded key by its folded name', () => {
  const out = messages(["Object.assign(el, { ['inner' + 'HTML']: req.body.html });", "el['outer' + 'HTML'] = req.body.html;"]);
  assert.deepEqual(out, [
    '1 Object.assign sets innerHTML is assigned request data (req.body.html); escape or sanitise it.',
    '2 outerHTML is assigned request data (req.body.html); escape or sanitise it.',
  ]);
});
