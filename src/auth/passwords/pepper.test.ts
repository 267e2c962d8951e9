import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from './index.ts';
import { isRampartError } from '../../errors.ts';

// A pepper is a secret like csrf.secret: the shared strength check refuses placeholders and
// low-entropy values (its minimum stays 16 bytes, so existing random peppers keep working).
const WEAK: unknown[] = ['a'.repeat(16), 'changeme-changeme', '1234567890123456', 'your-pepper-goes-here', Buffer.alloc(16)];

test('hashPassword and verifyPassword refuse a placeholder or low-entropy pepper with ERR_RAMPART_CONFIG saying how to generate one', async () => {
  for (const pepper of WEAK) {
    const refused = (e: unknown) =>
      isRampartError(e, 'ERR_RAMPART_CONFIG') && /openssl rand|randomBytes/.test(e.message) && (typeof pepper !== 'string' || !e.message.includes(pepper));
    await assert.rejects(hashPassword('violet-Tundra-41-parsnip', { pepper: pepper as string }), refused, JSON.stringify(pepper));
    await assert.rejects(
      verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA', 'x', { pepper: pepper as string }),
      refused,
      JSON.stringify(pepper),
    );
  }
});

test('a random pepper of 16 bytes or more is accepted (string or bytes)', async () => {
  for (const pepper of [randomBytes(16), randomBytes(16).toString('base64'), randomBytes(32).toString('base64url')]) {
    await hashPassword('violet-Tundra-41-parsnip', { pepper }).catch((e: unknown) => {
      // Without argon2 in this Node the hash is refused for that reason, never for the pepper.
      assert.ok(isRampartError(e, 'ERR_RAMPART_ARGON2_UNAVAILABLE'), String(e));
    });
  }
});
