import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2, scrypt, hkdf, deriveKey, PBKDF2_DEFAULT_ITERATIONS, Secret } from './index.ts';
import { isRampartError } from '../errors.ts';
import { python } from '../../test/helpers/python.ts';

const salt = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

test('HKDF-SHA256 matches RFC 5869 test case 1', () => {
  const okm = hkdf(Buffer.alloc(22, 0x0b), {
    salt: Buffer.from('000102030405060708090a0b0c', 'hex'),
    info: Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'),
    length: 42,
  });
  assert.equal(okm.toString('hex'), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
});

test('HKDF: different purposes give independent keys; the same purpose the same key', () => {
  const master = new Secret('m'.repeat(10) + 'aster-secret-with-enough-length');
  assert.notDeepEqual(hkdf(master, { info: 'a' }), hkdf(master, { info: 'b' }));
  assert.deepEqual(hkdf(master, { info: 'a' }), hkdf(master.revealString(), { info: 'a' }));
  assert.equal(hkdf(master, { info: 'a' }).length, 32);
});

test('PBKDF2-SHA256 defaults to 600,000 iterations and matches Python hashlib', async (t) => {
  assert.equal(PBKDF2_DEFAULT_ITERATIONS, 600_000);
  const ours = await pbkdf2('pässword', { salt });
  const fast = await deriveKey('pässword', { salt, iterations: 100_000, length: 64 });
  const out = await python(
    t,
    [],
    [
      'import hashlib',
      's = bytes.fromhex(data["salt"])',
      'print(json.dumps([hashlib.pbkdf2_hmac("sha256", "pässword".encode(), s, 600000).hex(), hashlib.pbkdf2_hmac("sha256", "pässword".encode(), s, 100000, 64).hex()]))',
    ].join('\n'),
    { salt: salt.toString('hex') },
  );
  if (out === undefined) return;
  assert.deepEqual(JSON.parse(out), [ours.toString('hex'), fast.toString('hex')]);
});

test('scrypt matches Python hashlib.scrypt', async (t) => {
  const ours = await scrypt('password', { salt, cost: 16_384, blockSize: 8, parallelization: 1, length: 64 });
  const viaDerive = await deriveKey('password', { algorithm: 'scrypt', salt, cost: 16_384, length: 64 });
  assert.deepEqual(ours, viaDerive);
  const out = await python(
    t,
    [],
    ['import hashlib', 'print(hashlib.scrypt(b"password", salt=bytes.fromhex(data), n=16384, r=8, p=1, dklen=64).hex())'].join('\n'),
    salt.toString('hex'),
  );
  if (out === undefined) return;
  assert.equal(out, ours.toString('hex'));
});

test('scrypt default parameters (N=2^17, r=8, p=1, 128 MiB) run', async () => {
  const key = await scrypt(new Secret('passphrase'), { salt });
  assert.equal(key.length, 32);
});

test('weak or malformed parameters are refused with a fix', async () => {
  const cases: Array<[() => Promise<unknown>, string]> = [
    [() => pbkdf2('p', { salt: Buffer.alloc(8) }), 'ERR_RAMPART_CONFIG'],
    [() => pbkdf2('p', {} as never), 'ERR_RAMPART_CONFIG'],
    [() => pbkdf2('p', { salt, iterations: 1000 }), 'ERR_RAMPART_CONFIG'],
    [() => pbkdf2('p', { salt, iterations: 1.5e5 + 0.5 }), 'ERR_RAMPART_CONFIG'],
    [() => pbkdf2('p', { salt, iteration: 700_000 } as never), 'ERR_RAMPART_UNKNOWN_OPTION'],
    [() => pbkdf2(42 as never, { salt }), 'ERR_RAMPART_CRYPTO_INPUT'],
    [() => scrypt('p', { salt, cost: 1000 }), 'ERR_RAMPART_CONFIG'],
    [() => scrypt('p', { salt: 'short' }), 'ERR_RAMPART_CONFIG'],
    [() => deriveKey('p', { algorithm: 'md5' } as never), 'ERR_RAMPART_CONFIG'],
    [() => deriveKey('p', null as never), 'ERR_RAMPART_CONFIG'],
    [async () => hkdf('', { info: 'x' }), 'ERR_RAMPART_CRYPTO_KEY'],
    [async () => hkdf('k', { info: 5 } as never), 'ERR_RAMPART_CRYPTO_INPUT'],
    [async () => hkdf('k', { info: 'x', length: 255 * 32 + 1 }), 'ERR_RAMPART_CONFIG'],
  ];
  for (const [run, code] of cases) {
    await assert.rejects(run, (e: unknown) => isRampartError(e, code as never), String(run));
  }
});
