import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toRow } from './fields.ts';
import { redact } from './redact.ts';

const MAX = 4096;

/** `target` behind a Proxy that counts property reads (the values JSON would write). */
function counted<T extends object>(target: T): { value: T; reads: () => number } {
  let reads = 0;
  const value = new Proxy(target, {
    get(t, key, receiver) {
      reads++;
      return Reflect.get(t, key, receiver);
    },
  });
  return { value, reads: () => reads };
}

const storedDetail = (detail: unknown, max = MAX): string => toRow('SUSPICIOUS_INPUT', { detail: detail as Record<string, unknown> }, max).detail!;

test('a detail object with many keys is read only as far as the column holds: the reads do not grow with the keys', () => {
  const reads: number[] = [];
  const details: string[] = [];
  for (const size of [10_000, 100_000]) {
    const wide: Record<string, string> = {};
    for (let i = 0; i < size; i++) wide[`k${i}`] = `v${i}`;
    const c = counted(wide);
    details.push(storedDetail(c.value));
    reads.push(c.reads());
  }
  // Each value read writes at least one character; the walk stops 1,024 characters past maxDetail.
  assert.ok(reads[0]! <= MAX + 1024 + 16, `reads ${reads[0]}`);
  assert.equal(reads[1], reads[0]);
  for (const detail of details) {
    assert.ok(detail.length <= MAX);
    assert.ok(detail.startsWith('{"k0":"v0","k1":"v1"'), detail.slice(0, 40));
    assert.match(detail, /…\[truncated\]$/);
  }
});

test('a detail array of two million secrets is read only as far as the column holds, and every stored element is redacted', () => {
  const c = counted(new Array<string>(2_000_000).fill('password=hunter2'));
  const detail = storedDetail({ list: c.value });
  assert.ok(c.reads() <= MAX + 1024 + 16, `reads ${c.reads()}`);
  assert.ok(!detail.includes('hunter2'));
  assert.ok(detail.startsWith('{"list":["password=***","password=***"'), detail.slice(0, 60));
  assert.match(detail, /…\[truncated\]$/);
});

test('long strings inside a detail are scanned only as far as the column holds: later elements are never read', () => {
  const secret = `password=${'x'.repeat(60_000)}`;
  const c = counted(new Array<string>(1000).fill(secret));
  const detail = storedDetail(c.value);
  // length, then the first element: its scan already reaches the budget.
  assert.ok(c.reads() <= 3, `reads ${c.reads()}`);
  assert.ok(!detail.includes('xxxx'), detail.slice(0, 80));
  assert.match(detail, /…\[truncated\]$/);
});

test('a deep detail (100,000 levels) is cut at depth 20', () => {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 0; i < 100_000; i++) {
    const next: Record<string, unknown> = {};
    node.a = next;
    node = next;
  }
  const detail = storedDetail(root);
  assert.equal(detail, `${'{"a":'.repeat(20)}"[Too deep]"${'}'.repeat(20)}`);
});

test('a detail that fits is stored exactly as JSON.stringify(redact(detail)) writes it', () => {
  class Model {
    #secret = 'hidden';
    readonly name: string;
    constructor(name: string) {
      this.name = name;
    }
    toJSON() {
      return { name: this.name, token: this.#secret };
    }
  }
  const error = Object.assign(new Error('login failed: password=hunter2'), { code: 'E1', authorization: 'Bearer abcdefghijkl' });
  const cyclic: Record<string, unknown> = { id: 1 };
  cyclic.self = cyclic;
  const shared = { n: 1 };
  const value = {
    user: 'ann',
    Password: 'x',
    headers: { Authorization: 'Bearer abc.def.ghi', accept: 'text/html' },
    note: 'card 4111 1111 1111 1111 and sk_live_0123456789abcdefghijklmn',
    skip: undefined,
    fn: () => 1,
    sym: Symbol('s'),
    list: [1, undefined, () => 2, Number.NaN, -0, 1e21, true, null, 'a\u0001b', shared, shared],
    when: new Date(0),
    never: new Date(Number.NaN),
    map: new Map([['password', 'x']]),
    bytes: new Uint8Array(4),
    big: 12345678901234567890n,
    model: new Model('m'),
    error,
    cyclic,
    '': 'empty key',
    'quote"key\n': 'escaped key',
    nested: { deeper: { secret: 'x', api_key: 'y', ok: [{ cookie: 'c' }] } },
    2: 'index key',
  };
  // A hole is written as null, like undefined.
  (value.list as unknown[])[20] = 'after a hole';
  const expected = JSON.stringify(redact(value), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  assert.equal(storedDetail(value), expected);
});

test('a detail a little over the limit keeps the count of the characters cut, as before', () => {
  const value = { text: 'a'.repeat(MAX + 500) };
  const detail = storedDetail(value);
  assert.equal(detail.length, MAX);
  assert.match(detail, /…\[truncated \d+ chars\]$/);
  assert.ok(detail.startsWith('{"text":"aaaa'));
});

test('a long string detail is scanned only as far as the column holds, and marked', () => {
  const text = `${'word '.repeat(4000)}password=hunter2 ${'x'.repeat(10_000_000)}`;
  const detail = storedDetail(text);
  assert.equal(detail.length, MAX);
  assert.match(detail, /…\[truncated\]$/);
});
