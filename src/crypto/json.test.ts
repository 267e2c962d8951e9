import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { keyring, pseudonymizer, anonymizeFields } from './index.ts';

const ring = keyring({ keys: { k1: randomBytes(32) }, current: 'k1' });

test("encryptJson/decryptJson (seed 001's encrypt_dict/decrypt_dict): a JSON value round-trips, bound to its aad", () => {
  const record = { user: 'alice', card: '4111 1111 1111 1111', tags: ['a', 'b'], n: 3, nested: { ok: true, none: null } };
  const text = ring.encryptJson(record, { aad: 'conversation:7' });
  assert.match(text, /^v1\.k1\./);
  assert.deepEqual(ring.decryptJson(text, { aad: 'conversation:7' }), record);
  assert.throws(() => ring.decryptJson(text, { aad: 'conversation:8' }), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' });
  assert.deepEqual(ring.decryptJson(ring.encryptJson([1, 'two'])), [1, 'two']);
});

test('encryptJson refuses what JSON would silently change (undefined, functions, NaN, BigInt, cycles)', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [undefined, () => 1, Number.NaN, { a: Infinity }, 10n, cyclic, { f: () => 1 }, { u: undefined }, new Map()]) {
    assert.throws(() => ring.encryptJson(bad), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  }
});

test('decryptJson: an authentic ciphertext that is not JSON is ERR_RAMPART_CRYPTO_MALFORMED', () => {
  assert.throws(() => ring.decryptJson(ring.encrypt('not json {')), { code: 'ERR_RAMPART_CRYPTO_MALFORMED' });
});

test("anonymizeFields (seed 001's anonymize_personal_data): chosen fields pseudonymised with the keyed pseudonymizer, a copy", () => {
  const anon = pseudonymizer({ key: randomBytes(32).toString('base64url'), purpose: 'analytics' });
  const data: Record<string, unknown> = { id: 42, email: 'alice@example.com', ip: '203.0.113.7', plan: 'pro', phone: null };
  const out = anonymizeFields(data, ['email', 'ip', 'id', 'phone', 'missing'], anon);
  assert.deepEqual(out, { id: anon('42'), email: anon('alice@example.com'), ip: anon('203.0.113.7'), plan: 'pro', phone: null });
  assert.equal(data.email, 'alice@example.com', 'the input is not modified');
  assert.ok(!('missing' in out));
  assert.equal(anonymizeFields({ email: 'alice@example.com' }, ['email'], anon).email, out.email, 'stable: rows still group together');
  assert.throws(() => anonymizeFields(data, 'email' as unknown as string[], anon), { code: 'ERR_RAMPART_CONFIG' });
});
