import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { escapeHtml, jsonForScript } from './index.ts';
import { isRampartError } from '../errors.ts';

test('escapeHtml escapes the five HTML-special characters', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'already-escaped text is escaped again (no double-decoding guesswork)');
  assert.equal(escapeHtml('x<'), 'x&lt;');
  assert.equal(escapeHtml('<'), '&lt;');
});

test('escapeHtml returns safe strings unchanged and stringifies primitives', () => {
  const plain = 'héllo wörld 123 — no specials';
  assert.equal(escapeHtml(plain), plain);
  assert.equal(escapeHtml(''), '');
  assert.equal(escapeHtml(42), '42');
  assert.equal(escapeHtml(false), 'false');
  assert.equal(escapeHtml(10n), '10');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(undefined), '');
});

test('escapeHtml rejects objects, functions and symbols', () => {
  for (const bad of [{}, [], () => 1, Symbol('s'), new Date(0)]) {
    assert.throws(
      () => escapeHtml(bad),
      (e) => isRampartError(e, 'ERR_RAMPART_OUTPUT_VALUE'),
    );
  }
});

test('escapeHtml output never contains a raw special character (property over all ASCII)', () => {
  let all = '';
  for (let c = 0; c < 128; c++) all += String.fromCharCode(c);
  const out = escapeHtml(all.repeat(3));
  assert.doesNotMatch(out.replace(/&(amp|lt|gt|quot|#39);/g, ''), /[&<>"']/);
});

test('jsonForScript escapes characters that could end or change a script', () => {
  const value = { html: '</script><script>alert(1)</script>', comment: '<!-- x -->', amp: 'a&b', ls: 'a\u2028b\u2029c' };
  const out = jsonForScript(value);
  assert.doesNotMatch(out, /[<>&\u2028\u2029]/);
  assert.ok(out.includes('\\u003c/script\\u003e'));
  assert.deepEqual(JSON.parse(out), value, 'still valid JSON with the same value');
  assert.equal(JSON.stringify(vm.runInNewContext(`(${out})`)), JSON.stringify(value), 'evaluates to the same value as JavaScript');
});

test('jsonForScript serialises ordinary data like JSON.stringify', () => {
  const value = { a: [1, 'two', true, null, { b: -0.5 }], when: new Date(0) };
  assert.equal(jsonForScript(value), JSON.stringify(value));
  assert.equal(jsonForScript('x'), '"x"');
  assert.equal(jsonForScript(null), 'null');
});

test('jsonForScript rejects values JSON cannot represent', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: unknown[] = [
    undefined,
    () => 1,
    Symbol('s'),
    1n,
    NaN,
    Infinity,
    { a: undefined },
    [undefined],
    { f() {} },
    new Map(),
    new Set([1]),
    cyclic,
    { deep: { n: 10n } },
  ];
  for (const bad of cases) {
    assert.throws(
      () => jsonForScript(bad),
      (e) => isRampartError(e, 'ERR_RAMPART_OUTPUT_VALUE'),
      String(typeof bad),
    );
  }
});
