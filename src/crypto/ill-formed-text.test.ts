/**
 * Strings with a lone UTF-16 surrogate have no UTF-8 form: encoding them would replace the
 * surrogate with U+FFFD, so what is encrypted, signed or pseudonymised would not be what
 * the caller passed. They are refused with ERR_RAMPART_CRYPTO_INPUT instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constantTimeEqual, Fernet, keyring, pseudonymizer } from './index.ts';

const ILL_FORMED = ['\ud800', 'a\udc00b', 'tail\ud83d', '\udfff\ud800'];
const input = { code: 'ERR_RAMPART_CRYPTO_INPUT' };

test('keyring.encrypt refuses text with a lone surrogate (it would decrypt as U+FFFD); well-formed text round-trips', () => {
  const ring = keyring({ keys: { k1: randomBytes(32) }, current: 'k1' });
  for (const text of ILL_FORMED) {
    assert.throws(() => ring.encrypt(text), input, JSON.stringify(text));
    assert.throws(() => ring.encrypt('data', { aad: text }), input, `aad ${JSON.stringify(text)}`);
  }
  const ciphertext = ring.encrypt('ok', { aad: 'ctx' });
  assert.throws(() => ring.decrypt(ciphertext, { aad: '\ud800' }), input);
  for (const text of ['😀 astral', 'é', '', '\u{10ffff}']) assert.equal(ring.decryptString(ring.encrypt(text)), text);
  // encryptJson keeps lone surrogates (JSON escapes them), so it stays the lossless route.
  assert.equal(ring.decryptJson(ring.encryptJson('\ud800')), '\ud800');
});

test('Fernet.encrypt and pseudonymizer refuse text with a lone surrogate', () => {
  const fernet = new Fernet(Fernet.generateKey());
  const anon = pseudonymizer({ key: randomBytes(32).toString('base64url'), purpose: 'test' });
  for (const text of ILL_FORMED) {
    assert.throws(() => fernet.encrypt(text), input);
    assert.throws(() => anon(text), input);
  }
  assert.equal(fernet.decrypt(fernet.encrypt('😀')).toString('utf8'), '😀');
});

test('constantTimeEqual: two different ill-formed strings are not equal (they would both encode as U+FFFD)', () => {
  assert.equal(constantTimeEqual('\ud800', '\ud801'), false);
  assert.equal(constantTimeEqual('x\ud800', 'x\ufffd'), false);
  assert.equal(constantTimeEqual('same', 'same'), true);
  assert.equal(constantTimeEqual('😀', Buffer.from('😀')), true);
});
