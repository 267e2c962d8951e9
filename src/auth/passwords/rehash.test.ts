import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, DEFAULT_ARGON2 } from './index.ts';
import { argon2NeedsRehash } from './rehash.ts';
import { parsePhc, type Argon2Params } from './argon2.ts';
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

const SALT16 = 'c2FsdHNhbHRzYWx0c2FsdA'; // 16 bytes
const TAG32 = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'; // 32 bytes
const TAG16 = 'aGFzaGhhc2hoYXNoaGFzaA'; // 16 bytes
const phc = (variant: string, m: number, t: number, p: number, salt = SALT16, tag = TAG32) => parsePhc(`$${variant}$v=19$m=${m},t=${t},p=${p}$${salt}$${tag}`);
const target = (memory: number, passes: number, parallelism = 1): Argon2Params => ({ variant: 'argon2id', memory, passes, parallelism });

test('needsRehash rule: a stored argon2id hash at least as strong as the target (memory, memory×passes, salt, tag) is kept', () => {
  const t = target(19456, 2);
  // argon2-cffi's default (m=102400, t=2, p=8, 16-byte tag): stronger; rewriting it at m=19456 would weaken it
  assert.equal(argon2NeedsRehash(phc('argon2id', 102400, 2, 8, SALT16, TAG16), t), false);
  assert.equal(argon2NeedsRehash(phc('argon2id', 19456, 2, 1), t), false, 'the target itself');
  assert.equal(argon2NeedsRehash(phc('argon2id', 65536, 3, 4), t), false, 'RFC 9106 second recommendation');
  // OWASP's equivalent settings: more memory with fewer passes is kept when memory×passes is not smaller
  assert.equal(argon2NeedsRehash(phc('argon2id', 47104, 1, 1), t), false, 'OWASP m=46 MiB, t=1');
  assert.equal(argon2NeedsRehash(phc('argon2id', 19456, 2, 4), target(19456, 2, 1)), false, 'parallelism does not change the attacker cost');
  assert.equal(argon2NeedsRehash(phc('argon2id', 19456, 2, 1), target(19456, 2, 4)), false, 'parallelism does not change the attacker cost');
});

test('needsRehash rule: weaker in any dimension, or another variant, is rehashed', () => {
  const t = target(19456, 2);
  assert.equal(argon2NeedsRehash(phc('argon2id', 19455, 2, 1), t), true, 'less memory');
  assert.equal(argon2NeedsRehash(phc('argon2id', 12288, 3, 1), t), true, 'less memory is not bought back by more passes');
  assert.equal(argon2NeedsRehash(phc('argon2id', 19456, 1, 1), t), true, 'fewer passes at the same memory');
  assert.equal(argon2NeedsRehash(phc('argon2id', 32768, 1, 1), t), true, 'memory×passes below the target');
  assert.equal(argon2NeedsRehash(phc('argon2i', 102400, 4, 8), t), true, 'argon2i, however costly');
  assert.equal(argon2NeedsRehash(phc('argon2d', 102400, 4, 8), t), true, 'argon2d, however costly');
  assert.equal(argon2NeedsRehash(phc('argon2id', 102400, 2, 1, SALT16, 'aGFzaGhhc2hoYXNo'), t), true, '12-byte tag');
  assert.equal(argon2NeedsRehash(phc('argon2id', 102400, 2, 1, 'c2FsdHNhbHQ', TAG32), t), true, '8-byte salt');
  assert.equal(argon2NeedsRehash(phc('argon2id', 65536, 3, 1), target(131072, 3)), true, 'an app that raised its target');
});

test('interop: argon2-cffi hashes stronger than the target keep needsRehash false; weaker ones and bcrypt of any cost get true', argon2, async (t) => {
  const out = await python(
    t,
    ['argon2', 'bcrypt'],
    `from argon2 import PasswordHasher, low_level
import bcrypt
pw = data
def h(tc, m, p, hl=16, typ=low_level.Type.ID):
    return PasswordHasher(time_cost=tc, memory_cost=m, parallelism=p, hash_len=hl, salt_len=16, type=typ).hash(pw)
print(json.dumps({
  'cffi_default': PasswordHasher().hash(pw),
  'rfc9106_second': h(3, 65536, 4, 32),
  'owasp_t1': h(1, 47104, 1),
  'less_memory': h(4, 12288, 1),
  'fewer_passes': h(1, 19456, 1),
  'argon2i_strong': h(4, 102400, 8, 32, low_level.Type.I),
  'bcrypt10': bcrypt.hashpw(pw.encode(), bcrypt.gensalt(10)).decode(),
}))`,
    'Strong-Enough-Already-7',
  );
  if (out === undefined) return;
  const h = JSON.parse(out) as Record<string, string>;
  assert.match(h.cffi_default!, /^\$argon2id\$v=19\$m=102400,t=2,p=8\$/, 'argon2-cffi default parameters');
  const check = async (name: string) => verifyPassword(h[name]!, 'Strong-Enough-Already-7');
  for (const name of ['cffi_default', 'rfc9106_second', 'owasp_t1']) assert.deepEqual(await check(name), { ok: true, needsRehash: false }, name);
  for (const name of ['less_memory', 'fewer_passes', 'argon2i_strong', 'bcrypt10']) assert.deepEqual(await check(name), { ok: true, needsRehash: true }, name);
  // A wrong password never asks for a rehash.
  assert.deepEqual(await verifyPassword(h.cffi_default!, 'strong-enough-already-7'), { ok: false, needsRehash: false });
  // Against a raised target, the argon2-cffi default (m=100 MiB) is weaker and is rehashed.
  assert.deepEqual(await verifyPassword(h.cffi_default!, 'Strong-Enough-Already-7', { memory: 131072 }), { ok: true, needsRehash: true });
});

test('the migration never writes a weaker hash: after needsRehash, the new hash is at least as strong and asks for nothing', argon2, async () => {
  const weak = await hashPassword('migrate-me-please', { memory: 7168, passes: 1 });
  const first = await verifyPassword(weak, 'migrate-me-please');
  assert.deepEqual(first, { ok: true, needsRehash: true });
  const fresh = await hashPassword('migrate-me-please');
  assert.equal(argon2NeedsRehash(parsePhc(fresh), parsePhc(weak)), false, 'the new hash is at least as strong as the old');
  assert.deepEqual(await verifyPassword(fresh, 'migrate-me-please'), { ok: true, needsRehash: false });
  assert.equal(DEFAULT_ARGON2.memory, 19456);
});
