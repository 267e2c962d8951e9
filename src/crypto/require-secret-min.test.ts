import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { checkSecret, requireSecret } from './index.ts';
import { isRampartError } from '../errors.ts';

test('requireSecret minBytes: a shorter documented minimum keeps the placeholder and entropy verdicts', () => {
  for (const weak of ['a'.repeat(16), 'changeme-changeme', '1234567890123456', Buffer.alloc(16)]) {
    assert.throws(
      () => requireSecret(weak, { name: 'x.pepper', minBytes: 16 }),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_WEAK_SECRET'),
    );
  }
  assert.throws(
    () => requireSecret(randomBytes(15), { name: 'x.pepper', minBytes: 16 }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_WEAK_SECRET'),
  );
  assert.equal(requireSecret(randomBytes(16), { name: 'x.pepper', minBytes: 16 }).length, 16);
  assert.equal(requireSecret(randomBytes(18).toString('base64url'), { name: 'x.token', minBytes: 24 }).length, 24);
  // The default stays 32 bytes.
  assert.throws(
    () => requireSecret(randomBytes(24), { name: 'x' }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_WEAK_SECRET'),
  );
  assert.throws(
    () => requireSecret(randomBytes(32), { name: 'x', minBytes: 8 }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});

test('checkSecret: "your-…-here" template values are placeholders', () => {
  for (const value of ['your-dashboard-token-here', 'your-pepper-goes-here', 'YOUR_TOKEN_HERE_0123456789abcdef', 'put-your-api-key-here-0123456789']) {
    assert.ok(
      checkSecret(value, { minLength: 1 }).some((p) => p.code === 'SECRET_PLACEHOLDER'),
      value,
    );
  }
});
