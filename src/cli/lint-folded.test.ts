/**
 * `rampart lint` on sinks spelt through constant expressions and less common routes: member
 * names folded from string pieces (`globalThis['ev' + 'al']`), the Function constructor reached
 * through `Function.prototype.constructor` or `x.constructor.constructor`, and markup written
 * through `Object.assign(el, { innerHTML })` or `srcdoc`. Safe look-alikes stay quiet, and odd
 * inputs (deep nesting, huge minified lines) stay a bounded, linear scan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintSource } from './lint-rules.ts';

/** `line id severity` of every finding of `lines` joined as one file. */
function findings(lines: readonly string[]): string[] {
  return lintSource(lines.join('\n'), 'app.ts').findings.map((f) => `${f.line} ${f.id} ${f.severity}`);
}

test('member names folded from constant pieces are resolved: eval, innerHTML, the TLS switches', () => {
  assert.deepEqual(
    findings([
      'globalThis["ev" + "al"](req.body.code);',
      'window[("ev") + `al`](code);',
      "globalThis['\\x65val'](code);",
      "self['ev'.concat('al')](code);",
      "el['inner' + 'HTML'] = req.body.html;",
      "process.env['NODE_TLS_' + 'REJECT_UNAUTHORIZED'] = '0';",
      "const o = { ['reject' + 'Unauthorized']: false };",
      "el[`outer` + `HTML`] += '<li>' + item + '</li>';",
    ]),
    [
      '1 RAMPART-S020 error',
      '2 RAMPART-S020 error',
      '3 RAMPART-S020 error',
      '4 RAMPART-S020 error',
      '5 RAMPART-S040 error',
      '6 RAMPART-S050 error',
      '7 RAMPART-S050 error',
      '8 RAMPART-S040 error',
    ],
  );
});

test('a const holding a constant name counts as that name in a computed member or key', () => {
  assert.deepEqual(
    findings([
      "const k = 'ev' + 'al'; globalThis[k](req.body.code);",
      "const prop = 'innerHTML';",
      'el[prop] = req.body.html;',
      "const E = 'NODE_TLS_REJECT_UNAUTHORIZED', TLS = 'reject' + 'Unauthorized';",
      "process.env[E] = '0'; const agent = { [TLS]: false };",
      "const half = 'inner'; el[half + 'HTML'] = '<p>' + name;",
    ]),
    ['1 RAMPART-S020 error', '3 RAMPART-S040 error', '5 RAMPART-S050 error', '5 RAMPART-S050 error', '6 RAMPART-S040 error'],
  );
  assert.deepEqual(
    findings([
      "const k = 'evaluate'; globalThis[k](x);",
      "let m = 'eval'; m = 'log'; globalThis[m](x);",
      "const e = 'eval'; redis[e](script, 0);",
      "const p = 'innerHTML'.length; el[p] = x;",
      "const q = 'textContent'; el[q] = req.body.html;",
    ]),
    [],
  );
});

test('the Function constructor reached through constructor properties is S021', () => {
  assert.deepEqual(
    findings([
      'Function.prototype.constructor(req.body.code);',
      'Function.constructor(code)();',
      "[].constructor.constructor('return process')();",
      '(function () {}).constructor(code);',
      '(async () => {}).constructor(code);',
      'Object.getPrototypeOf(async function () {}).constructor(code);',
      "Function['constructor'](code);",
      'new Function.prototype.constructor(code);',
      'globalThis.Function.prototype.constructor(code);',
    ]),
    [
      '1 RAMPART-S021 error',
      '2 RAMPART-S021 error',
      '3 RAMPART-S021 error',
      '4 RAMPART-S021 error',
      '5 RAMPART-S021 error',
      '6 RAMPART-S021 error',
      '7 RAMPART-S021 error',
      '8 RAMPART-S021 error',
      '9 RAMPART-S021 error',
    ],
  );
});

test('the Function constructor called through call/apply/bind or Reflect is S021', () => {
  assert.deepEqual(
    findings([
      'Function.call(null, req.body.code)();',
      'Function.prototype.constructor.apply(null, [code]);',
      "Reflect.construct(Function, ['a', code]);",
      'Reflect.apply(globalThis.Function, undefined, [code]);',
      'const make = Function.bind(null, code);',
    ]),
    ['1 RAMPART-S021 error', '2 RAMPART-S021 error', '3 RAMPART-S021 error', '4 RAMPART-S021 error', '5 RAMPART-S021 error'],
  );
  assert.deepEqual(findings(['Function.prototype.call.bind(fn); fn.call(null, x); Reflect.apply(fn, null, args);', 'Reflect.construct(Date, [1]);']), []);
});

test('markup written through Object.assign or srcdoc is S040 like innerHTML =', () => {
  assert.deepEqual(
    findings([
      'Object.assign(el, { innerHTML: req.body.html });',
      "Object.assign(el, { id: 'x', outerHTML: '<p>' + name + '</p>' });",
      'Object.assign(frame, { srcdoc: html });',
      "Object.assign(el, { 'innerHTML': '<b>' + name + '</b>' });",
      "Object.assign(el, { ['inner' + 'HTML']: req.query.q });",
      'Object.assign(el, { innerHTML });',
      'frame.srcdoc = req.query.html;',
      "frame['srcdoc'] = '<p>' + name;",
      'Object.assign(el, defaults, { innerHTML: req.body.html });',
    ]),
    [
      '1 RAMPART-S040 error',
      '2 RAMPART-S040 error',
      '3 RAMPART-S040 warning',
      '4 RAMPART-S040 error',
      '5 RAMPART-S040 error',
      '6 RAMPART-S040 warning',
      '7 RAMPART-S040 error',
      '8 RAMPART-S040 error',
      '9 RAMPART-S040 error',
    ],
  );
});

test('the safe look-alikes of folded keys, constructor properties and Object.assign stay quiet', () => {
  assert.deepEqual(
    findings([
      "redis['ev' + 'al'](script, 0);",
      "globalThis['ev' + name](code);",
      "globalThis['ev' + 'aluate'](code);",
      "el['text' + 'Content'] = req.body.text;",
      "const key = 'inner' + 'HTML';",
      "process.env['NODE_TLS_' + 'REJECT_UNAUTHORIZED'] = '1';",
      "const o = { ['reject' + 'Unauthorized']: true };",
      'class A { constructor(x: string) { super(); this.x = x; } }',
      'const name = value.constructor.name; const same = x.constructor === Function;',
      'const copy = new this.constructor(items); Function.prototype.call(fn);',
      'Function.prototype.constructor();',
      'Object.assign(el, { textContent: req.body.html, className: cls });',
      "Object.assign(el, { innerHTML: '<b>static</b>' });",
      'Object.assign(el, { innerHTML: escapeHtml(req.body.html) });',
      'Object.assign(state, { html: req.body.html }); const view = { innerHTML: x };',
      "frame.srcdoc = '<p>static</p>'; frame.srcdoc = sanitize(html);",
    ]),
    [],
  );
});

test('a.ts of the black-box pass: every line is reported', () => {
  const lines = [
    'globalThis["ev" + "al"](req.body.code);',
    'Function.prototype.constructor(req.body.code);',
    'Object.assign(el, { innerHTML: req.body.html });',
  ];
  assert.deepEqual(findings(lines), ['1 RAMPART-S020 error', '2 RAMPART-S021 error', '3 RAMPART-S040 error']);
});

test('folding, receiver and Object.assign scans are bounded: deep nesting and huge lines stay a linear scan', () => {
  const hostile = [
    `globalThis[${'('.repeat(100_000)}'ev' + 'al'${')'.repeat(100_000)}](x);`,
    `globalThis[${"'a' + ".repeat(100_000)}'b'](x);`,
    `el[${'['.repeat(100_000)}`,
    'Object.assign(el, { innerHTML: '.repeat(50_000),
    `Object.assign(el, ${'{ a: '.repeat(100_000)}`,
    `${'('.repeat(100_000)}function(){}${')'.repeat(100_000)}.constructor(code);`,
    `x${'.constructor'.repeat(100_000)}(code);`,
    `${'Object.assign('.repeat(50_000)}`,
    "const a = 'x', ".repeat(100_000),
    `const k = ${"'a' + ".repeat(100_000)}'b'; globalThis[k](x);`,
    // A minified bundle: one long line of ordinary code.
    'var a=1,b=function(c){return c+1},d={e:b(a),f:[1,2,3]};'.repeat(40_000),
  ];
  for (const source of hostile) assert.ok(Array.isArray(lintSource(source, 'x.ts').findings));
  // The fold keeps finding what it should at depth within its bound.
  assert.deepEqual(findings([`globalThis[${'('.repeat(8)}'ev' + 'al'${')'.repeat(8)}](x);`]), ['1 RAMPART-S020 error']);
});
