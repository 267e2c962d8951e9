import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword, validatePassword, commonPasswordCount } from './index.ts';
import { similarity } from './similarity.ts';
import { isRampartError } from '../../errors.ts';
import { python } from '../../../test/helpers/python.ts';

const PEPPER = 'a-pepper-of-at-least-16-bytes!!';

// argon2 comes from node:crypto on Node >= 24.7, else from @node-rs/argon2 when installed; on
// Node 22 without it, hashing refuses with ERR_RAMPART_ARGON2_UNAVAILABLE, and the argon2 tests skip.
const argon2Available = await hashPassword('probe').then(
  () => true,
  (e: unknown) => {
    if (isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE')) return false;
    throw e;
  },
);
const argon2 = { skip: argon2Available ? false : `no argon2 in Node ${process.version} (crypto.argon2 needs Node >= 24.7; or install @node-rs/argon2)` };

test('without crypto.argon2 or @node-rs/argon2, hashing and verifying refuse with ERR_RAMPART_ARGON2_UNAVAILABLE', { skip: argon2Available }, async () => {
  const unavailable = (e: unknown): boolean => isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE') && /Node >= 24\.7/.test((e as Error).message);
  await assert.rejects(hashPassword('pw'), unavailable);
  await assert.rejects(verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$' + 'A'.repeat(43), 'pw'), unavailable);
});

test('hashPassword produces an argon2id PHC string with OWASP parameters and verifies', argon2, async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(await verifyPassword(hash, 'correct horse battery staple'), { ok: true, needsRehash: false });
  assert.deepEqual(await verifyPassword(hash, 'correct horse battery stapl'), { ok: false, needsRehash: false });
  assert.notEqual(await hashPassword('correct horse battery staple'), hash, 'salted');
});

test('pepper is part of the hash: wrong or missing pepper fails', argon2, async () => {
  const hash = await hashPassword('pw-with-pepper', { pepper: PEPPER });
  assert.equal((await verifyPassword(hash, 'pw-with-pepper', { pepper: PEPPER })).ok, true);
  assert.equal((await verifyPassword(hash, 'pw-with-pepper')).ok, false);
  assert.equal((await verifyPassword(hash, 'pw-with-pepper', { pepper: PEPPER + 'x' })).ok, false);
  await assert.rejects(hashPassword('x', { pepper: 'short' }), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
});

test('weaker parameters and other variants verify and ask for a rehash', argon2, async () => {
  const weak = await hashPassword('legacy', { memory: 7168, passes: 1 });
  assert.deepEqual(await verifyPassword(weak, 'legacy'), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword(weak, 'nope'), { ok: false, needsRehash: false });
  const strong = await hashPassword('s', { memory: 32768, passes: 3 });
  assert.deepEqual(await verifyPassword(strong, 's'), { ok: true, needsRehash: false });
});

test('legacy bcrypt $2a/$2b/$2y verify with needsRehash; > 72 bytes rejected, not truncated', async () => {
  const b = bcrypt.hashSync('hunter2-legacy', 4);
  assert.deepEqual(await verifyPassword(b, 'hunter2-legacy'), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword(b.replace('$2b$', '$2y$'), 'hunter2-legacy'), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword(b.replace('$2b$', '$2a$'), 'hunter2-legacy'), { ok: true, needsRehash: true });
  assert.equal((await verifyPassword(b, 'hunter2-legacY')).ok, false);
  const long72 = 'a'.repeat(72);
  const hb = bcrypt.hashSync(long72, 4);
  // bcrypt itself would accept a 73-byte password that shares the first 72 bytes:
  assert.equal(bcrypt.compareSync(long72 + 'EXTRA', hb), true);
  // rampart never compares it: the answer is an unknown user's (see dummy.test.ts), not a match;
  // without argon2 (Node 22) the dummy check cannot run, and both refuse the same way.
  const unknownUser = async (pw: string) => verifyPassword(null, pw).catch((e: unknown) => (e as { code?: string }).code);
  const bcryptRow = async (pw: string) => verifyPassword(hb, pw).catch((e: unknown) => (e as { code?: string }).code);
  const expected = argon2Available ? { ok: false, needsRehash: false } : 'ERR_RAMPART_ARGON2_UNAVAILABLE';
  assert.deepEqual(await bcryptRow(long72 + 'EXTRA'), expected);
  assert.deepEqual(await unknownUser(long72 + 'EXTRA'), expected);
  // multi-byte characters count in bytes
  assert.deepEqual(await bcryptRow('é'.repeat(37)), expected);
});

test('malformed stored hashes are RampartErrors, not crashes or hangs', async () => {
  const bad = [
    '',
    'plaintext',
    '$argon2id$v=19$m=19456,t=2,p=1$short$short',
    '$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$argon2id$v=19$m=19456,t=9999,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$argon2id$v=19$m=19456,t=2,p=1,keyid=x$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$2b$99$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE',
    '$2c$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE',
  ];
  for (const h of bad) {
    await assert.rejects(verifyPassword(h, 'x'), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_HASH'), h);
  }
  await assert.rejects(verifyPassword(42 as unknown as string, 'x'), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_HASH'));
  await assert.rejects(hashPassword(null as unknown as string), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_INPUT') && e.status === 400);
  await assert.rejects(hashPassword('x'.repeat(5000)), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_TOO_LONG'));
  await assert.rejects(verifyPassword('x', 'y', { peper: 'x' } as never), (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'));
});

test('unknown user (null hash) still costs one argon2 verification and fails', argon2, async () => {
  await verifyPassword(null, 'warm-up');
  const hash = await hashPassword('pw');
  // Not a timing assertion: both paths must run argon2 — the null path returns ok:false.
  assert.deepEqual(await verifyPassword(null, 'pw'), { ok: false, needsRehash: false });
  assert.deepEqual(await verifyPassword(undefined, 'pw'), { ok: false, needsRehash: false });
  assert.equal((await verifyPassword(hash, 'pw')).ok, true);
});

test('interop: argon2-cffi verifies rampart hashes and rampart verifies argon2-cffi hashes', argon2, async (t) => {
  const ours = await hashPassword('interop pässword ✓');
  const out = await python(
    t,
    ['argon2'],
    `from argon2 import PasswordHasher, low_level
ph = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=low_level.Type.ID)
ok = ph.verify(data['hash'], data['pw'])
try:
    ph.verify(data['hash'], data['pw'] + 'x'); bad = True
except Exception:
    bad = False
print(json.dumps({'ok': ok, 'bad': bad, 'rehash': ph.check_needs_rehash(data['hash']), 'theirs': ph.hash(data['pw']),
  'theirs_i': low_level.hash_secret(data['pw'].encode(), b'0123456789abcdef', time_cost=3, memory_cost=8192, parallelism=2, hash_len=24, type=low_level.Type.I).decode()}))`,
    { hash: ours, pw: 'interop pässword ✓' },
  );
  if (out === undefined) return;
  const r = JSON.parse(out) as { ok: boolean; bad: boolean; rehash: boolean; theirs: string; theirs_i: string };
  assert.equal(r.ok, true);
  assert.equal(r.bad, false);
  assert.equal(r.rehash, false, 'argon2-cffi sees the same parameters');
  assert.deepEqual(await verifyPassword(r.theirs, 'interop pässword ✓'), { ok: true, needsRehash: false });
  assert.equal((await verifyPassword(r.theirs, 'interop password ✓')).ok, false);
  assert.deepEqual(await verifyPassword(r.theirs_i, 'interop pässword ✓'), { ok: true, needsRehash: true });
});

test('interop: python bcrypt hashes ($2b$) verify here', async (t) => {
  const out = await python(t, ['bcrypt'], `import bcrypt\nprint(bcrypt.hashpw(data.encode(), bcrypt.gensalt(5)).decode())`, 'pybcrypt-secret');
  if (out === undefined) return;
  assert.deepEqual(await verifyPassword(out, 'pybcrypt-secret'), { ok: true, needsRehash: true });
  assert.equal((await verifyPassword(out, 'pybcrypt-secreT')).ok, false);
});

test('validatePassword mirrors Django validators with a real common-password list', () => {
  assert.ok(commonPasswordCount() >= 20_000, `list has ${commonPasswordCount()}`);
  const codes = (pw: string, o?: Parameters<typeof validatePassword>[1]) => validatePassword(pw, o).map((p) => p.code);
  assert.deepEqual(codes('zq8#Lm'), ['password_too_short']);
  assert.deepEqual(codes('123456789012'), ['password_too_common', 'password_entirely_numeric']);
  assert.ok(codes('849302718465').includes('password_entirely_numeric'));
  assert.ok(codes('Password1234').includes('password_too_common') || codes('Password1234').includes('password_too_weak'));
  assert.ok(codes('qwertyuiop').includes('password_too_common'));
  assert.deepEqual(codes('x'.repeat(200)), ['password_too_long']);
  assert.deepEqual(codes('violet-Harbor-93-quantum!'), []);
  assert.deepEqual(codes('abc', { minLength: 3, minScore: 0 }), []);
  const user = { username: 'adalovelace', email: 'ada.lovelace@example.com', firstName: 'Ada' };
  assert.deepEqual(codes('adalovelace1', { user, minScore: 0 }), ['password_too_similar']);
  assert.deepEqual(codes('Ada.Lovelace@Example.Com', { user, minScore: 0 }), ['password_too_similar']);
  assert.deepEqual(codes('violet-Harbor-93-quantum!', { user }), []);
  const msg = validatePassword('zq8#Lm')[0]!.message;
  assert.match(msg, /at least 12 characters/);
  assert.throws(
    () => validatePassword('x', { minLenght: 3 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => validatePassword('x', { minLength: -1 }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.deepEqual(codes(42 as unknown as string), ['password_required']);
});

test('similarity matches difflib.SequenceMatcher.ratio', () => {
  assert.equal(similarity('abcd', 'bcde'), 0.75);
  assert.equal(similarity('', ''), 1);
  assert.equal(similarity('abc', 'xyz'), 0);
  assert.equal(Math.round(similarity('ada.lovelace', 'adalovelace1') * 1000) / 1000, 0.917);
});
