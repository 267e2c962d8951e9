import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { requireSecret, Secret } from './index.ts';
import { isRampartError, type RampartErrorCode } from '../errors.ts';

const GOOD = randomBytes(32).toString('base64url');
const GOOD2 = randomBytes(48).toString('base64');
const PUBLIC_PEM = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
/** 40 random characters from a 7-letter alphabet: no period, but far below 128 bits. */
const SEVEN_LETTERS = Array.from({ length: 40 }, () => 'abcdefg'[randomInt(7)]).join('');

const rejected: ReadonlyArray<[label: string, value: unknown, rotation?: boolean, code?: RampartErrorCode]> = [
  ['missing', undefined],
  ['null', null],
  ['empty string', ''],
  ['a number', 42],
  ['an object', { secret: GOOD }],
  ['too short (31 bytes)', GOOD.slice(0, 31)],
  ['too short as bytes', randomBytes(31)],
  ['one character repeated', 'a'.repeat(32)],
  ['one character repeated, long', 'k'.repeat(64)],
  ['a short alphabet repeated', 'abc'.repeat(11)],
  ['a hex alphabet repeated', '0123456789abcdef'.repeat(2)],
  ['a short alphabet, shuffled', SEVEN_LETTERS],
  ['a sequence', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEF'],
  ['zero bytes', Buffer.alloc(32)],
  ['counting bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => i))],
  ['placeholder your-csrf-secret', 'your-csrf-secret'],
  ['placeholder padded to length', 'your-csrf-secret-your-csrf-secret!!'],
  ['placeholder changeme repeated', 'changeme-changeme-changeme-changeme'],
  ['placeholder secret repeated', 'secret'.repeat(6)],
  ['placeholder with a random-looking tail', 'supersecret-8x$k2!9q@a7m#p3v&l5r*z1w%c6n'],
  ['placeholder sentence', 'your-secret-key-here-please-change-it-now'],
  ['a list where rotation is not accepted', [GOOD, GOOD2], false],
  ['a weak secret inside a rotation list', [GOOD, 'short'], true],
  ['a placeholder inside a rotation list', [GOOD, 'changeme-changeme-changeme-changeme'], true],
  ['an empty rotation list', [], true, 'ERR_RAMPART_CONFIG'],
  ['a PEM public key (public, so no secret)', PUBLIC_PEM],
  ['the bytes of a PEM public key', Buffer.from(PUBLIC_PEM)],
  ['a PEM public key inside a rotation list', [GOOD, PUBLIC_PEM], true],
];

test("requireSecret rejects missing, short, low-entropy and placeholder secrets with the caller's code, naming the option but never the value", () => {
  for (const [label, value, rotation, expected] of rejected) {
    for (const code of ['ERR_RAMPART_CSRF_SECRET', 'ERR_RAMPART_CONFIG'] as const) {
      assert.throws(
        () => requireSecret(value, { name: 'x.secret', code, rotation: rotation ?? false }),
        (e: unknown) => {
          assert.ok(isRampartError(e, expected ?? code), `${label}: ${String(e)}`);
          assert.ok(e.message.includes('x.secret'), `${label}: names the option`);
          if (expected === undefined) assert.ok(e.message.includes('openssl rand -base64 48'), `${label}: says how to fix it`);
          if (typeof value === 'string' && value.length > 3) assert.ok(!e.message.includes(value), `${label}: never echoes the value`);
          return true;
        },
        label,
      );
    }
  }
});

test('requireSecret defaults to ERR_RAMPART_WEAK_SECRET and names the list entry at fault', () => {
  assert.throws(() => requireSecret('changeme', { name: 'pepper' }), { code: 'ERR_RAMPART_WEAK_SECRET' });
  assert.throws(() => requireSecret([GOOD, GOOD2, 'a'.repeat(40)], { name: 'csrf.secret', rotation: true }), /csrf\.secret\[2\]/);
});

test('requireSecret accepts random secrets as strings, bytes and Secret, and returns fresh Buffers', () => {
  const hex = randomBytes(32).toString('hex');
  const bytes = randomBytes(32);
  const accepted: ReadonlyArray<[label: string, value: string | Uint8Array | Secret, expected: Buffer]> = [
    ['32 random bytes, base64url', GOOD, Buffer.from(GOOD, 'utf8')],
    ['48 random bytes, base64', GOOD2, Buffer.from(GOOD2, 'utf8')],
    ['32 random bytes, hex', hex, Buffer.from(hex, 'utf8')],
    ['raw bytes', bytes, Buffer.from(bytes)],
    ['a Secret', new Secret(GOOD), Buffer.from(GOOD, 'utf8')],
  ];
  for (const [label, value, expected] of accepted) {
    const out = requireSecret(value, { name: 'x.secret' });
    assert.ok(Buffer.isBuffer(out), label);
    assert.deepEqual(out, expected, label);
  }
  const raw = randomBytes(32);
  const copy = requireSecret(raw, { name: 'x.secret' });
  raw.fill(0);
  assert.notDeepEqual(copy, raw, 'a copy: the caller may wipe its own buffer');
});

test('requireSecret with rotation: a single secret or a list, the first signs and all verify', () => {
  const one = requireSecret(GOOD, { name: 'x.secret', rotation: true });
  assert.equal(one.length, 1);
  assert.deepEqual(one[0], Buffer.from(GOOD));
  const list = requireSecret([GOOD2, GOOD, randomBytes(32)], { name: 'x.secret', rotation: true });
  assert.equal(list.length, 3);
  assert.deepEqual(list[0], Buffer.from(GOOD2), 'order kept: the first signs');
  assert.ok(Object.isFrozen(list));
});
