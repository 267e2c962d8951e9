import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from './index.ts';
import { MAX_ARGON2_MEMORY_KIB, parsePhc } from './argon2.ts';
import { isRampartError } from '../../errors.ts';

const SALT_AND_HASH = 'c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const phc = (m: number, t = 2, p = 1) => `$argon2id$v=19$m=${m},t=${t},p=${p}$${SALT_AND_HASH}`;
const hashError = (e: unknown) => isRampartError(e, 'ERR_RAMPART_PASSWORD_HASH') && /out of range/.test((e as Error).message);

test('a stored argon2 hash asking for gigabytes (m=4194304, 4 GiB) is ERR_RAMPART_PASSWORD_HASH before any work, not { ok: false }', async () => {
  for (const m of [4194304, 2097152, MAX_ARGON2_MEMORY_KIB + 1]) {
    await assert.rejects(verifyPassword(phc(m), 'pw-pw-pw-pw'), hashError, `m=${m}`);
    assert.throws(() => parsePhc(phc(m)), hashError);
  }
});

test('argon2 memory bound: 256 MiB, below a gigabyte and above every common setting (OWASP 19 MiB, argon2-cffi 64 MiB, 128 MiB)', () => {
  assert.equal(MAX_ARGON2_MEMORY_KIB, 262144);
  for (const m of [19456, 65536, 131072, MAX_ARGON2_MEMORY_KIB]) assert.equal(parsePhc(phc(m)).memory, m);
});

test('hashPassword refuses a memory option beyond the bound verifyPassword accepts (a hash it could not verify)', async () => {
  await assert.rejects(hashPassword('pw', { memory: MAX_ARGON2_MEMORY_KIB + 1 }), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
  await assert.rejects(hashPassword('pw', { memory: 4 * 1024 * 1024 }), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
});
