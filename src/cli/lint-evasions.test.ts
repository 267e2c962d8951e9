/**
 * Spellings of the same sinks that `rampart lint` used to miss: SQL through String.raw,
 * Array.join and String.concat; eval aliased, called indirectly or through the global object;
 * setTimeout/setInterval with a string; innerHTML written with brackets. Each is reported,
 * and the safe look-alikes beside them are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintSource } from './lint-rules.ts';

/** `line id severity` of every finding of `source`. */
function findings(source: string): string[] {
  return lintSource(source, 'app.ts').findings.map((f) => `${f.line} ${f.id} ${f.severity}`);
}

test('SQL built with String.raw, [..].join() or .concat() is S001 in a query call and S002 elsewhere', () => {
  const source = [
    'await db.query(String.raw`SELECT * FROM t WHERE a = ${req.query.a}`);',
    'const q1 = String.raw`SELECT * FROM t WHERE a = ${id}`;',
    'await db.query(["SELECT * FROM t WHERE a = ", req.query.a].join(""));',
    "const q2 = ['SELECT * FROM t WHERE a = ', id].join(' ');",
    'await db.query("SELECT * FROM t WHERE a = ".concat(req.query.a));',
    "const q3 = 'DELETE FROM t WHERE id = '.concat(id);",
    "await db.query(['SELECT * FROM t', 'WHERE a =', req.body.a].join(' '));",
  ].join('\n');
  assert.deepEqual(findings(source), [
    '1 RAMPART-S001 error',
    '2 RAMPART-S002 error',
    '3 RAMPART-S001 error',
    '4 RAMPART-S002 error',
    '5 RAMPART-S001 error',
    '6 RAMPART-S002 error',
    '7 RAMPART-S001 error',
  ]);
});

test('eval aliased, called indirectly or through the global object, and setTimeout/setInterval with a string are S020', () => {
  const source = [
    'const x = eval; x(req.body.code);',
    '(0, eval)(code);',
    'globalThis.eval(req.body.code);',
    'window.eval(code);',
    'setTimeout(req.body.code, 10);',
    "setInterval('tick()', 1000);",
    'setTimeout(`run(${x})`, 5);',
    "globalThis.setTimeout('go()' + x);",
    'const run = globalThis.eval;',
  ].join('\n');
  assert.deepEqual(findings(source), [
    '1 RAMPART-S020 error',
    '2 RAMPART-S020 error',
    '3 RAMPART-S020 error',
    '4 RAMPART-S020 error',
    '5 RAMPART-S020 error',
    '6 RAMPART-S020 error',
    '7 RAMPART-S020 error',
    '8 RAMPART-S020 error',
    '9 RAMPART-S020 error',
  ]);
});

test('el[\'innerHTML\'] / el["outerHTML"] are S040 like the dot form', () => {
  const source = ["document.body['innerHTML'] = '<p>' + req.query.q;", 'el["outerHTML"] = html;', "el['innerHTML'] += `<li>${item}</li>`;"].join('\n');
  assert.deepEqual(findings(source), ['1 RAMPART-S040 error', '2 RAMPART-S040 warning', '3 RAMPART-S040 error']);
});

test('safe look-alikes of the new patterns are not reported', () => {
  const safe = [
    'const path = String.raw`C:\\files\\${dir}`;',
    'await db.query(String.raw`SELECT * FROM t WHERE a = $1`, [a]);',
    "const q = ['SELECT * FROM t WHERE a = $1', 'AND b = $2'].join(' ');",
    "const parts = ['SELECT id FROM t', WHERE_CLAUSE].join(' ');",
    "const words = ['select a file', name].join(' ');",
    "const greeting = 'Hello '.concat(name);",
    "await db.query('SELECT * FROM t WHERE a = '.concat('$1'), [a]);",
    'obj.eval(code); options.eval = true; const o = { eval: false };',
    'interface Flags { eval?: boolean; evaluate: string }',
    'setTimeout(() => run(), 10); setTimeout(tick, 1000); setTimeout(resolve, ms);',
    'setInterval(this.poll, 5); setTimeout(done); clearTimeout(timer);',
    'const timer = setTimeout(function () { go(query); }, 5);',
    "el['textContent'] = text; el['innerHTML'] = '<b>static</b>'; const key = 'innerHTML';",
    "const name = 'eval'; const s = 'setTimeout(code)';",
  ].join('\n');
  assert.deepEqual(lintSource(safe, 'safe.ts').findings, []);
});

test('sql.unsafe([…]) is still S003, and a method named eval in a list of members is no finding', () => {
  assert.deepEqual(findings("await sql.unsafe(['SELECT 1', 'FROM t'].join(' '));"), ['1 RAMPART-S003 warning']);
  assert.deepEqual(findings('type Api = { run(): void, eval(code: string): void };'), []);
});

test('the joined-array look-ahead is bounded: hostile input stays a linear scan', () => {
  for (const source of ["['SELECT * FROM t WHERE a = ', x, ".repeat(20_000), 'db.query(['.repeat(20_000), "'SELECT a FROM t'.concat(".repeat(20_000)]) {
    assert.ok(Array.isArray(lintSource(source, 'x.ts').findings));
  }
});
