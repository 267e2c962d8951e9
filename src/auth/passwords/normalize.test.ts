import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, verifyPassword, validatePassword } from './index.ts';
import { argon2Raw, encodePhc } from './argon2.ts';
import { dummyWork } from './dummy.ts';
import { isRampartError } from '../../errors.ts';
import { python } from '../../../test/helpers/python.ts';

const argon2Available = await hashPassword('probe').then(
  () => true,
  (e: unknown) => {
    if (isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE')) return false;
    throw e;
  },
);
const argon2 = { skip: argon2Available ? false : `no argon2 in Node ${process.version} (crypto.argon2 needs Node >= 24.7; or install @node-rs/argon2)` };

const codes = (pw: string, o?: Parameters<typeof validatePassword>[1]) => validatePassword(pw, o).map((p) => p.code);
const NFC = 'caf\u00e9-Tundra-41-parsnip';
const NFD = 'cafe\u0301-Tundra-41-parsnip';

test('policy: a common password hidden by a soft hyphen, a zero-width space or fullwidth letters is still common', () => {
  for (const pw of ['pa\u00adssword1234', 'ｐａｓｓｗｏｒｄ１２３４', 'password１２３４', 'pass\u200bword1234', 'password1234\u0000', 'PASS\u2060WORD1234']) {
    assert.ok(codes(pw).includes('password_too_common'), JSON.stringify(pw));
    assert.ok(codes(pw, { minScore: 0 }).includes('password_too_common'), JSON.stringify(pw));
  }
  // Not in the list, but the strength check scores the folded form, so the invisible character buys nothing.
  assert.notDeepEqual(codes('pass\u200bword123456'), []);
  assert.deepEqual(codes('password123456'), codes('pass\u200bword123456'));
});

test('policy: digits of any script are "entirely numeric"; the minimum length counts code points of the folded form', () => {
  assert.ok(codes('１２３４５６７８９０１２３４').includes('password_entirely_numeric'));
  assert.ok(codes('٠١٢٣٤٥٦٧٨٩٠١٢').includes('password_entirely_numeric'));
  // Invisible characters and controls do not count towards the minimum
  assert.deepEqual(codes('zq8#Lmv2\u200b\u200b\u00ad\u00ad', { minScore: 0 }), ['password_too_short']);
  assert.deepEqual(codes('\t'.repeat(12), { minScore: 0 }), ['password_too_short']);
  // a combining accent composes with its letter: 11 characters, not 12
  assert.deepEqual(codes('zq8#Lmv2kxe\u0301', { minScore: 0 }), ['password_too_short']);
  // one code point is one character, whatever its UTF-16 or UTF-8 length
  assert.deepEqual(codes('😀'.repeat(12), { minScore: 0 }), []);
  assert.deepEqual(codes('😀'.repeat(129), { minScore: 0 }), ['password_too_long']);
});

test('policy: similarity to the user is judged on the folded form', () => {
  const user = { username: 'adalovelace', email: 'ada.lovelace@example.com' };
  for (const pw of ['ＡＤＡＬＯＶＥＬＡＣＥ１', 'ada\u00adlovelace1', 'ada\u200blove\u200blace18', 'ADALOVELACE1']) {
    assert.deepEqual(codes(pw, { user, minScore: 0 }), ['password_too_similar'], JSON.stringify(pw));
  }
  assert.deepEqual(codes('violet-Harbor-93-quantum!', { user }), []);
  assert.deepEqual(codes(NFC), []);
});

test('hashing: NFC and NFD spellings of the same password verify against each other (NFKC before hashing)', argon2, async () => {
  const fromNfc = await hashPassword(NFC);
  assert.deepEqual(await verifyPassword(fromNfc, NFD), { ok: true, needsRehash: false });
  const fromNfd = await hashPassword(NFD);
  assert.deepEqual(await verifyPassword(fromNfd, NFC), { ok: true, needsRehash: false });
  const fullwidth = await hashPassword('ｖｉｏｌｅｔ－Ｔｕｎｄｒａ');
  assert.deepEqual(await verifyPassword(fullwidth, 'violet-Tundra'), { ok: true, needsRehash: false });
  assert.equal((await verifyPassword(fromNfc, 'cafe-Tundra-41-parsnip')).ok, false, 'an accent still matters');
  assert.equal((await verifyPassword(fromNfc, 'CAFÉ-Tundra-41-parsnip')).ok, false, 'case still matters');
  assert.equal((await verifyPassword(fromNfc, 'caf\u00e9-Tundra-41-pars\u200bnip')).ok, false, 'hashing keeps invisible characters');
});

test('hashing: a hash of the typed, unnormalised form (before this change, or from another library) still verifies and asks for a rehash', argon2, async () => {
  // What rampart stored before: argon2id over the raw UTF-8 bytes of the NFD spelling.
  const salt = Buffer.from('0123456789abcdef');
  const params = { variant: 'argon2id' as const, memory: 19456, passes: 2, parallelism: 1 };
  const legacy = encodePhc(params, salt, await argon2Raw(params, Buffer.from(NFD, 'utf8'), salt, 32));
  assert.deepEqual(await verifyPassword(legacy, NFD), { ok: true, needsRehash: true });
  assert.equal((await verifyPassword(legacy, NFC)).ok, false, 'only the spelling that was hashed');
  const migrated = await hashPassword(NFD);
  assert.deepEqual(await verifyPassword(migrated, NFD), { ok: true, needsRehash: false });
  assert.deepEqual(await verifyPassword(migrated, NFC), { ok: true, needsRehash: false });
  // The same for a legacy bcrypt row of the raw spelling.
  assert.deepEqual(await verifyPassword(bcrypt.hashSync(NFD, 4), NFD), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword(bcrypt.hashSync(NFC, 4), NFD), { ok: true, needsRehash: true });
});

test('an unknown user costs the same argon2 work as a known one: two computations when the typed form is not normalised', argon2, async () => {
  const runs = async (hash: string | null, pw: string) => {
    const before = dummyWork.count;
    const r = await verifyPassword(hash, pw);
    return { runs: dummyWork.count - before, r };
  };
  assert.deepEqual(await runs(null, NFC), { runs: 1, r: { ok: false, needsRehash: false } });
  assert.deepEqual(await runs(null, NFD), { runs: 2, r: { ok: false, needsRehash: false } }, 'a known user would try both spellings');
  // bcrypt: a form over 72 bytes is never compared and costs a dummy instead
  const legacy = bcrypt.hashSync('a'.repeat(25), 4);
  assert.deepEqual(await runs(legacy, 'ａ'.repeat(25)), { runs: 0, r: { ok: true, needsRehash: true } }, '75 bytes typed, 25 normalised: compared, matches');
  assert.deepEqual(await runs(legacy, 'ｂ'.repeat(25)), { runs: 1, r: { ok: false, needsRehash: false } }, 'the 75-byte form is a dummy check');
  assert.deepEqual(await runs(legacy, 'ａ'.repeat(80)), await runs(null, 'ａ'.repeat(80)), 'both forms over 72 bytes: an unknown user');
});

test('hashing: the 4096-byte limit applies to the normalised form too (NFKC can expand 18 times)', async () => {
  const expands = '\ufdfa'.repeat(200); // 600 bytes typed, 6,600 bytes after NFKC
  await assert.rejects(hashPassword(expands), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_TOO_LONG'));
  await assert.rejects(verifyPassword(null, expands), (e) => isRampartError(e, 'ERR_RAMPART_PASSWORD_TOO_LONG'));
});

test('interop: argon2-cffi verifies a rampart hash after normalising with NFKC, as the README says', argon2, async (t) => {
  const ours = await hashPassword(NFD);
  const out = await python(
    t,
    ['argon2'],
    `import unicodedata
from argon2 import PasswordHasher
ph = PasswordHasher()
print(json.dumps(ph.verify(data['hash'], unicodedata.normalize('NFKC', data['pw']))))`,
    { hash: ours, pw: NFD },
  );
  if (out === undefined) return;
  assert.equal(JSON.parse(out), true);
});
