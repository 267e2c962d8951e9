import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { keyring, generateKeyringKey, Secret, GCM_RANDOM_IV_MESSAGE_LIMIT } from './index.ts';
import { isRampartError } from '../errors.ts';

const k1 = randomBytes(32);
const k2 = generateKeyringKey();

test('encrypt → v1.<kid>.<base64url>, decrypt with the aad; IVs are random', () => {
  const ring = keyring({ keys: { k1 }, current: 'k1' });
  const text = ring.encrypt('card 4111', { aad: 'user:42' });
  assert.match(text, /^v1\.k1\.[A-Za-z0-9_-]+$/);
  assert.equal(ring.decryptString(text, { aad: 'user:42' }), 'card 4111');
  assert.notEqual(ring.encrypt('same'), ring.encrypt('same'));
  assert.deepEqual(ring.decrypt(ring.encrypt(new Uint8Array([1, 2, 3]))), Buffer.from([1, 2, 3]));
  assert.equal(ring.decrypt(ring.encrypt('')).length, 0);
});

test('the format is plain AES-256-GCM: iv ‖ ciphertext ‖ tag, with "v1.<kid>." ‖ aad authenticated', () => {
  const ring = keyring({ keys: { k1 }, current: 'k1' });
  const body = Buffer.from(ring.encrypt('interop', { aad: 'ctx' }).slice('v1.k1.'.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', k1, body.subarray(0, 12));
  decipher.setAAD(Buffer.from('v1.k1.ctx'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  assert.equal(Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString(), 'interop');
});

test('a wrong or missing aad fails authentication', () => {
  const ring = keyring({ keys: { k1 }, current: 'k1' });
  const text = ring.encrypt('x', { aad: 'user:1' });
  assert.throws(() => ring.decrypt(text, { aad: 'user:2' }), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' });
  assert.throws(() => ring.decrypt(text), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' });
});

test('rotation: any known key decrypts, rotate() moves to the current key, removed keys are reported', () => {
  const before = keyring({ keys: { k1 }, current: 'k1' });
  const old = before.encrypt('rotate me', { aad: 'a' });
  const after = keyring({ keys: { k1, k2 }, current: 'k2' });
  assert.equal(after.decryptString(old, { aad: 'a' }), 'rotate me');
  assert.equal(after.needsRotation(old), true);
  const rotated = after.rotate(old, { aad: 'a' });
  assert.equal(after.keyIdOf(rotated), 'k2');
  assert.equal(after.needsRotation(rotated), false);
  assert.equal(after.rotate(rotated, { aad: 'a' }), rotated, 'already current: unchanged');
  assert.throws(() => after.rotate(rotated, { aad: 'b' }), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' }, 'rotate still authenticates');
  const onlyNew = keyring({ keys: { k2 }, current: 'k2' });
  assert.equal(onlyNew.decryptString(rotated, { aad: 'a' }), 'rotate me');
  assert.throws(() => onlyNew.decrypt(old, { aad: 'a' }), { code: 'ERR_RAMPART_CRYPTO_UNKNOWN_KEY' });
});

test('a ciphertext moved to another key id does not decrypt', () => {
  const ring = keyring({ keys: { a: k1, b: k1 }, current: 'a' });
  const text = ring.encrypt('bound to kid');
  assert.throws(() => ring.decrypt(text.replace('v1.a.', 'v1.b.')), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' });
});

test('per-purpose keys derived with HKDF from one master secret are independent', () => {
  const master = new Secret(randomBytes(48).toString('base64'));
  const sessions = keyring({ keys: { m1: master }, current: 'm1', purpose: 'sessions' });
  const fields = keyring({ keys: { m1: master }, current: 'm1', purpose: 'db-fields' });
  const text = sessions.encrypt('s');
  assert.equal(keyring({ keys: { m1: master }, current: 'm1', purpose: 'sessions' }).decryptString(text), 's');
  assert.throws(() => fields.decrypt(text), { code: 'ERR_RAMPART_CRYPTO_DECRYPT' });
  assert.throws(() => keyring({ keys: { m1: 'changeme-changeme-changeme-changeme' }, current: 'm1', purpose: 'x' }), { code: 'ERR_RAMPART_WEAK_SECRET' });
});

test('message limit per key: counted, and the key refuses past it', () => {
  assert.equal(GCM_RANDOM_IV_MESSAGE_LIMIT, 2 ** 32);
  const ring = keyring({ keys: { k1, k2 }, current: 'k1', messageLimit: 3 });
  for (let i = 0; i < 3; i++) ring.encrypt('m');
  assert.deepEqual(ring.usage(), { k1: 3, k2: 0 });
  assert.throws(() => ring.encrypt('m'), { code: 'ERR_RAMPART_CRYPTO_KEY_EXHAUSTED' });
  const other = keyring({ keys: { k1, k2 }, current: 'k2', messageLimit: 3 });
  assert.equal(other.decryptString(other.encrypt('new key still has budget')), 'new key still has budget');
});

test('construction errors say what to fix', () => {
  const cases: Array<[unknown, string]> = [
    [undefined, 'ERR_RAMPART_CONFIG'],
    [{ keys: {}, current: 'k1' }, 'ERR_RAMPART_CONFIG'],
    [{ keys: { k1 }, current: 'k9' }, 'ERR_RAMPART_CONFIG'],
    [{ keys: { k1 }, current: 'k1', mesageLimit: 5 }, 'ERR_RAMPART_UNKNOWN_OPTION'],
    [{ keys: { k1 }, current: 'k1', messageLimit: 2 ** 33 }, 'ERR_RAMPART_CONFIG'],
    [{ keys: { 'bad.kid': k1 }, current: 'bad.kid' }, 'ERR_RAMPART_CRYPTO_KEY'],
    [{ keys: { k1: randomBytes(16) }, current: 'k1' }, 'ERR_RAMPART_CRYPTO_KEY'],
    [{ keys: { k1: 'not base64 !!' }, current: 'k1' }, 'ERR_RAMPART_CRYPTO_KEY'],
    [{ keys: { k1: 42 }, current: 'k1' }, 'ERR_RAMPART_CRYPTO_KEY'],
    [{ keys: { k1: Buffer.alloc(32) }, current: 'k1' }, 'ERR_RAMPART_WEAK_SECRET'],
    [{ keys: { k1: Buffer.from(Array.from({ length: 32 }, (_, i) => i)) }, current: 'k1' }, 'ERR_RAMPART_WEAK_SECRET'],
    [{ keys: { k1: Buffer.alloc(32, 7).toString('base64url') }, current: 'k1' }, 'ERR_RAMPART_WEAK_SECRET'],
    [{ keys: { k1 }, current: 'k1', purpose: '' }, 'ERR_RAMPART_CONFIG'],
  ];
  for (const [options, code] of cases) {
    assert.throws(
      () => keyring(options as never),
      (e: unknown) => isRampartError(e, code as never),
      JSON.stringify(options),
    );
  }
});

test('bad ciphertexts of every type are RampartErrors', () => {
  const ring = keyring({ keys: { k1 }, current: 'k1' });
  const cases: Array<[unknown, string]> = [
    [undefined, 'ERR_RAMPART_CRYPTO_INPUT'],
    [null, 'ERR_RAMPART_CRYPTO_INPUT'],
    [42, 'ERR_RAMPART_CRYPTO_INPUT'],
    [{}, 'ERR_RAMPART_CRYPTO_INPUT'],
    ['', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v2.k1.AAAA', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1.k1.', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1.k1.AAAA', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1.k1.' + '*'.repeat(50), 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1..AAAA', 'ERR_RAMPART_CRYPTO_MALFORMED'],
    ['v1.nope.' + 'A'.repeat(40), 'ERR_RAMPART_CRYPTO_UNKNOWN_KEY'],
    ['v1.k1.' + 'A'.repeat(40), 'ERR_RAMPART_CRYPTO_DECRYPT'],
  ];
  for (const [text, code] of cases) {
    assert.throws(
      () => ring.decrypt(text as string),
      (e: unknown) => isRampartError(e, code as never),
      String(text),
    );
  }
  assert.throws(() => ring.encrypt(42 as never), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  assert.throws(() => ring.encrypt('x', { aad: 5 as never }), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  assert.throws(() => ring.encrypt('x', { add: 'typo' } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
});

test('property: round trip with any data and aad; any tampering is rejected with a RampartError', () => {
  const ring = keyring({ keys: { k1, k2 }, current: 'k2' });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, aad, position, flip) => {
      const text = ring.encrypt(data, { aad });
      assert.deepEqual(new Uint8Array(ring.decrypt(text, { aad })), data);
      const body = Buffer.from(text.slice('v1.k2.'.length), 'base64url');
      const at = position % body.length;
      body.writeUInt8(body.readUInt8(at) ^ flip, at);
      const tampered = `v1.k2.${body.toString('base64url')}`;
      assert.throws(
        () => ring.decrypt(tampered, { aad }),
        (e: unknown) => isRampartError(e, 'ERR_RAMPART_CRYPTO_DECRYPT'),
      );
    }),
    { numRuns: 300 },
  );
});

test('property: arbitrary strings are rejected with a RampartError, never a crash', () => {
  const ring = keyring({ keys: { k1 }, current: 'k1' });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string().map((s) => `v1.k1.${s}`),
        fc.uint8Array({ maxLength: 100 }).map((b) => `v1.k1.${Buffer.from(b).toString('base64url')}`),
      ),
      (text) => {
        assert.throws(
          () => ring.decrypt(text),
          (e: unknown) => isRampartError(e),
        );
      },
    ),
    { numRuns: 500 },
  );
});

test('keyIdOf reads the id from the envelope, also for a key no longer in the ring; malformed envelopes are refused', () => {
  const old = keyring({ keys: { zz: k1 }, current: 'zz' }).encrypt('left behind');
  const ring = keyring({ keys: { k2 }, current: 'k2' });
  assert.equal(ring.keyIdOf(old), 'zz', 'an operator finds the rows still under a removed key');
  assert.throws(() => ring.decrypt(old), { code: 'ERR_RAMPART_CRYPTO_UNKNOWN_KEY' }, 'decrypting it still says the key is gone');
  assert.equal(ring.keyIdOf('v1.zz.abc'), 'zz', 'a cut-off row still names its key');
  assert.throws(() => ring.decrypt('v1.k2.abc'), { code: 'ERR_RAMPART_CRYPTO_MALFORMED' }, 'but does not decrypt');
  for (const bad of ['v1.zz', 'v1.zz.', 'v2.zz.' + old.slice(6), 'v1.z z.' + old.slice(6), 'v1.zz.!!!', 'v1.zz.a+b/', 'v1..abc']) {
    assert.throws(() => ring.keyIdOf(bad), { code: 'ERR_RAMPART_CRYPTO_MALFORMED' }, bad);
  }
  assert.throws(() => ring.keyIdOf(42 as unknown as string), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
});
