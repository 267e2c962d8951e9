import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Secret, checkSecret, zeroize, constantTimeEqual, assertStrongSecret, estimateEntropyBits } from './index.ts';
import { isRampartError } from '../errors.ts';

const codes = (value: unknown) => checkSecret(value).map((p) => p.code);

test('Secret never prints its value', () => {
  const s = new Secret('hunter2-very-secret-value');
  const shown = [String(s), `${s}`, s + '', JSON.stringify(s), JSON.stringify({ s }), inspect(s), inspect({ nested: { s } }), s.toString()];
  for (const text of shown) {
    assert.ok(!text.includes('hunter2'), text);
    assert.ok(text.includes('[secret]'), text);
  }
  assert.equal(Object.keys(s).length, 0);
  assert.equal(s.revealString(), 'hunter2-very-secret-value');
  assert.equal(s.length, 25);
});

test('Secret: constant-time equals, copy on construction, dispose() zeroizes', () => {
  const source = Buffer.from('abc');
  const s = new Secret(source);
  source.fill(0);
  assert.equal(s.revealString(), 'abc', 'the Secret holds its own copy');
  assert.ok(s.equals('abc'));
  assert.ok(s.equals(new Secret('abc')));
  assert.ok(!s.equals('abd'));
  assert.ok(!s.equals('abcd'));
  const inner = s.reveal();
  s.dispose();
  assert.deepEqual(inner, Buffer.alloc(3), 'bytes overwritten');
  assert.throws(() => s.reveal(), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  assert.throws(() => new Secret(42 as never), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
});

test('zeroize overwrites buffers, typed arrays and views in place; refuses strings', () => {
  const buf = Buffer.from('sensitive');
  zeroize(buf);
  assert.deepEqual(buf, Buffer.alloc(9));
  const big = new Uint32Array([1, 2, 3, 4]);
  zeroize(big.subarray(1, 3));
  assert.deepEqual([...big], [1, 0, 0, 4], 'only the view is wiped');
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, 0xffffffff);
  zeroize(view);
  assert.equal(view.getUint32(0), 0);
  assert.throws(() => zeroize('string' as never), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  assert.throws(() => zeroize(undefined as never), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
});

test('constantTimeEqual compares strings and bytes, any lengths', () => {
  assert.ok(constantTimeEqual('token', 'token'));
  assert.ok(constantTimeEqual(Buffer.from('token'), 'token'));
  assert.ok(!constantTimeEqual('token', 'tokem'));
  assert.ok(!constantTimeEqual('token', 'token-longer'));
  assert.ok(!constantTimeEqual('', 'x'));
  assert.ok(constantTimeEqual('', ''));
  assert.throws(() => constantTimeEqual(undefined as never, 'x'), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
});

test("checkSecret rejects the seeds' placeholders and short or repetitive secrets", () => {
  assert.deepEqual(codes('changeme'), ['SECRET_TOO_SHORT', 'SECRET_PLACEHOLDER', 'SECRET_LOW_ENTROPY']);
  for (const placeholder of [
    'changeme',
    'your-secret',
    'your-csrf-secret',
    'secret',
    'password',
    'Password123',
    'CHANGE_ME',
    'keyboard cat',
    'your-secret-key-here-please-change-it-now',
    'django-insecure-8x$k2!9q@a7m#p3v&l5r*z1w%c6n^j0b',
    'secretsecretsecretsecretsecretsecret',
  ]) {
    assert.ok(codes(placeholder).includes('SECRET_PLACEHOLDER'), placeholder);
  }
  assert.deepEqual(codes('a'.repeat(64)), ['SECRET_LOW_ENTROPY']);
  assert.deepEqual(codes('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF'), ['SECRET_LOW_ENTROPY'], 'a sequence');
  assert.deepEqual(codes('ab'.repeat(32)), ['SECRET_LOW_ENTROPY']);
  assert.deepEqual(codes('0123456789abcdef0123456789abcdef'), ['SECRET_LOW_ENTROPY']);
  assert.deepEqual(codes(randomBytes(8).toString('hex')), ['SECRET_TOO_SHORT', 'SECRET_LOW_ENTROPY']);
  for (const missing of [undefined, null, '', 42, {}]) assert.deepEqual(codes(missing), ['SECRET_MISSING']);
});

test('checkSecret accepts random secrets in the usual encodings', () => {
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(codes(randomBytes(16).toString('hex')), [], '32 hex characters = 128 bits');
    assert.deepEqual(codes(randomBytes(32).toString('base64url')), []);
    assert.deepEqual(codes(randomBytes(48).toString('base64')), []);
    assert.deepEqual(codes(randomBytes(32)), [], 'raw bytes');
    assert.deepEqual(codes(new Secret(randomBytes(32).toString('hex'))), []);
  }
  assert.deepEqual(checkSecret('short-but-fine', { minLength: 8, minEntropyBits: 40 }), []);
  assert.throws(() => checkSecret('x', { minLenght: 3 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
});

test('assertStrongSecret throws ERR_RAMPART_WEAK_SECRET without echoing the value', () => {
  assert.throws(
    () => assertStrongSecret('your-secret', 'CSRF_SECRET'),
    (e: unknown) => {
      assert.ok(isRampartError(e, 'ERR_RAMPART_WEAK_SECRET'));
      assert.ok(e.message.includes('CSRF_SECRET'));
      assert.ok(!e.message.includes('your-secret'));
      return true;
    },
  );
  assertStrongSecret(randomBytes(32).toString('base64url'), 'OK_SECRET');
});

test('property: checkSecret and the entropy estimate never throw and stay bounded on any input', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.uint8Array()), (value) => {
      const problems = checkSecret(value);
      assert.ok(Array.isArray(problems));
      if (typeof value === 'string') assert.ok(estimateEntropyBits(value) <= [...value].length * Math.log2(95) + 1e-9);
    }),
    { numRuns: 500 },
  );
});
