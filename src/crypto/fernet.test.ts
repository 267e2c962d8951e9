import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { Fernet, Secret } from './index.ts';
import { encryptFromParts } from './fernet.ts';
import { isRampartError } from '../errors.ts';
import { python } from '../../test/helpers/python.ts';

interface Vector {
  token: string;
  now: string;
  secret: string;
  src?: string;
  iv?: number[];
  ttl_sec?: number;
  desc?: string;
}
const load = (name: string): Vector[] => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Vector[];
const seconds = (iso: string) => Date.parse(iso) / 1000;
const FERNET_CODES = new Set(['ERR_RAMPART_FERNET_TOKEN', 'ERR_RAMPART_FERNET_EXPIRED', 'ERR_RAMPART_FERNET_FUTURE']);

test('spec generate.json: fixed IV and time give the exact token', () => {
  const vectors = load('generate.json');
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    assert.equal(encryptFromParts(v.secret, Buffer.from(v.src ?? ''), seconds(v.now), Buffer.from(v.iv ?? [])), v.token);
  }
});

test('spec verify.json: each token decrypts to its source within the TTL', () => {
  for (const v of load('verify.json')) {
    const f = new Fernet(v.secret);
    assert.equal(f.decrypt(v.token, { ttl: v.ttl_sec, time: seconds(v.now) }).toString(), v.src);
    assert.equal(f.extractTimestamp(v.token), Math.floor(seconds('1985-10-26T01:20:00-07:00')));
  }
});

test('spec invalid.json: every token is rejected with the right RampartError code', () => {
  const expected: Record<string, string> = {
    'far-future TS (unacceptable clock skew)': 'ERR_RAMPART_FERNET_FUTURE',
    'expired TTL': 'ERR_RAMPART_FERNET_EXPIRED',
  };
  const vectors = load('invalid.json');
  assert.equal(vectors.length, 11);
  for (const v of vectors) {
    const f = new Fernet(v.secret);
    assert.throws(
      () => f.decrypt(v.token, { ttl: v.ttl_sec, time: seconds(v.now) }),
      (e: unknown) => {
        assert.ok(isRampartError(e), `${v.desc}: not a RampartError`);
        assert.equal(e.code, expected[v.desc ?? ''] ?? 'ERR_RAMPART_FERNET_TOKEN', v.desc);
        return true;
      },
    );
  }
});

test('round trip with a generated key; the token records the time', () => {
  const key = Fernet.generateKey();
  assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
  const f = new Fernet(key);
  const token = f.encrypt('secret message', { time: 1_700_000_000 });
  assert.match(token, /^gAAAAA[A-Za-z0-9_-]+=*$/);
  assert.equal(f.decrypt(token).toString(), 'secret message');
  assert.equal(f.extractTimestamp(token), 1_700_000_000);
  assert.deepEqual(f.decrypt(f.encrypt(new Uint8Array([0, 255, 7]))), Buffer.from([0, 255, 7]));
  assert.equal(f.decrypt(f.encrypt('')).length, 0);
  assert.notEqual(f.encrypt('same'), f.encrypt('same'), 'random IV per token');
});

test('TTL: accepted up to ttl seconds old, expired after, future beyond 60 s skew', () => {
  const f = new Fernet(Fernet.generateKey());
  const token = f.encrypt('x', { time: 1000 });
  assert.equal(f.decrypt(token, { ttl: 60, time: 1060 }).toString(), 'x');
  assert.throws(() => f.decrypt(token, { ttl: 60, time: 1061 }), { code: 'ERR_RAMPART_FERNET_EXPIRED' });
  assert.equal(f.decrypt(token, { ttl: 60, time: 940 }).toString(), 'x', '60 s of clock skew allowed');
  assert.throws(() => f.decrypt(token, { ttl: 60, time: 939 }), { code: 'ERR_RAMPART_FERNET_FUTURE' });
  assert.equal(f.decrypt(token, { time: 99_999_999 }).toString(), 'x', 'no ttl: age not checked');
});

test('key formats: url-safe base64 string (with or without padding), its ASCII bytes, a Secret; others refused', () => {
  const key = Fernet.generateKey();
  const token = new Fernet(key).encrypt('k');
  for (const form of [key, key.replace(/=$/, ''), Buffer.from(key), new Secret(key), ` ${key}\n`]) {
    assert.equal(new Fernet(form).decrypt(token).toString(), 'k');
  }
  const bad: unknown[] = [
    '',
    'short',
    key.slice(0, 40),
    `${key}AAAA`,
    key.replaceAll('-', '+').replaceAll('_', '/') + '!',
    Buffer.alloc(32),
    42,
    null,
    undefined,
    {},
    [],
  ];
  for (const value of bad) {
    assert.throws(
      () => new Fernet(value as string),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CRYPTO_KEY'),
      String(value),
    );
  }
});

test('several keys: first encrypts, all decrypt, rotate() re-encrypts keeping the timestamp', () => {
  const oldKey = Fernet.generateKey();
  const newKey = Fernet.generateKey();
  const oldToken = new Fernet(oldKey).encrypt('rotate me', { time: 5000 });
  const multi = new Fernet([newKey, oldKey]);
  assert.equal(multi.decrypt(oldToken).toString(), 'rotate me');
  const rotated = multi.rotate(oldToken);
  assert.equal(new Fernet(newKey).decrypt(rotated).toString(), 'rotate me');
  assert.equal(new Fernet(newKey).extractTimestamp(rotated), 5000);
  assert.throws(() => new Fernet(oldKey).decrypt(rotated), { code: 'ERR_RAMPART_FERNET_TOKEN' });
  assert.throws(() => new Fernet([]), { code: 'ERR_RAMPART_CRYPTO_KEY' });
});

test('bad inputs of every type are RampartErrors, never crashes', () => {
  const f = new Fernet(Fernet.generateKey());
  const tokens: unknown[] = [undefined, null, 1, {}, [], true, '', 'gAAAA', '====', 'g'.repeat(10_000), '\u0000', '🙂', Symbol.iterator];
  for (const token of tokens) {
    assert.throws(
      () => f.decrypt(token as string),
      (e: unknown) => isRampartError(e) && (e.code === 'ERR_RAMPART_FERNET_TOKEN' || e.code === 'ERR_RAMPART_CRYPTO_INPUT'),
    );
  }
  const data: unknown[] = [undefined, null, 1, {}, [], true];
  for (const value of data) assert.throws(() => f.encrypt(value as string), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
  assert.throws(() => f.encrypt('x', { time: -1 }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => f.encrypt('x', { tim: 1 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  assert.throws(() => f.decrypt(f.encrypt('x'), { ttl: 'x' as never }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => f.decrypt(f.encrypt('x'), { tll: 5 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
});

test('the key never prints', () => {
  const f = new Fernet(Fernet.generateKey());
  assert.equal(String(f), 'Fernet([secret])');
  assert.equal(JSON.stringify({ f }), '{"f":"Fernet([secret])"}');
  assert.equal(inspect(f), 'Fernet([secret])');
});

test('property: any bytes round-trip; any single-byte change is rejected with a Fernet code', () => {
  const f = new Fernet(Fernet.generateKey());
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, position, flip) => {
      const token = f.encrypt(data);
      assert.deepEqual(new Uint8Array(f.decrypt(token)), data);
      const raw = Buffer.from(token, 'base64url');
      const at = position % raw.length;
      raw.writeUInt8(raw.readUInt8(at) ^ flip, at);
      const tampered = raw.toString('base64').replaceAll('+', '-').replaceAll('/', '_');
      assert.throws(
        () => f.decrypt(tampered, { ttl: 3600 }),
        (e: unknown) => isRampartError(e) && FERNET_CODES.has(e.code),
      );
    }),
    { numRuns: 300 },
  );
});

test('property: arbitrary strings as tokens are rejected with a RampartError', () => {
  const f = new Fernet(Fernet.generateKey());
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.uint8Array({ minLength: 57, maxLength: 200 }).map((b) => Buffer.from([0x80, ...b]).toString('base64url')),
      ),
      (text) => {
        assert.throws(
          () => f.decrypt(text),
          (e: unknown) => isRampartError(e) && e.code === 'ERR_RAMPART_FERNET_TOKEN',
        );
      },
    ),
    { numRuns: 500 },
  );
});

test('interop: python3-cryptography decrypts rampart tokens and rampart decrypts Python tokens', async (t) => {
  const key = Fernet.generateKey();
  const ours = new Fernet(key);
  const messages = ['hello', '', 'ünïcødé ✓', 'x'.repeat(1000)];
  const tokens = messages.map((m) => ours.encrypt(m));
  const out = await python(
    t,
    ['cryptography'],
    [
      'from cryptography.fernet import Fernet',
      'f = Fernet(data["key"].encode())',
      'decrypted = [f.decrypt(tok.encode(), ttl=3600).decode() for tok in data["tokens"]]',
      'made = [f.encrypt(m.encode()).decode() for m in data["messages"]]',
      'print(json.dumps({"decrypted": decrypted, "made": made, "key": Fernet.generate_key().decode()}))',
    ].join('\n'),
    { key, tokens, messages },
  );
  if (out === undefined) return;
  const parsed = JSON.parse(out) as { decrypted: string[]; made: string[]; key: string };
  assert.deepEqual(parsed.decrypted, messages);
  assert.deepEqual(
    parsed.made.map((tok) => ours.decrypt(tok, { ttl: 3600 }).toString()),
    messages,
  );
  const pythonKey = new Fernet(parsed.key);
  assert.equal(pythonKey.decrypt(pythonKey.encrypt('py key')).toString(), 'py key');
});

test('interop: Python rejects a rampart token under the wrong key, and Fernet.fromPassword matches Python PBKDF2HMAC', async (t) => {
  const salt = Buffer.alloc(16, 7);
  const f = await Fernet.fromPassword('correct horse battery staple', { salt, iterations: 100_000 });
  const out = await python(
    t,
    ['cryptography'],
    [
      'import base64',
      'from cryptography.fernet import Fernet, InvalidToken',
      'from cryptography.hazmat.primitives import hashes',
      'from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC',
      'kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(data["salt"]), iterations=100000)',
      'f = Fernet(base64.urlsafe_b64encode(kdf.derive(b"correct horse battery staple")))',
      'plain = f.decrypt(data["token"].encode()).decode()',
      'try:',
      '    Fernet(Fernet.generate_key()).decrypt(data["token"].encode()); wrong = "accepted"',
      'except InvalidToken:',
      '    wrong = "rejected"',
      'print(json.dumps({"plain": plain, "wrong": wrong}))',
    ].join('\n'),
    { salt: salt.toString('hex'), token: f.encrypt('from a passphrase') },
  );
  if (out === undefined) return;
  assert.deepEqual(JSON.parse(out), { plain: 'from a passphrase', wrong: 'rejected' });
});
