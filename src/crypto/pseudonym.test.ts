import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { pseudonymizer, Secret } from './index.ts';
import { isRampartError } from '../errors.ts';

const key = randomBytes(32).toString('base64url');

test('stable per key and purpose, unrelated across purposes and keys, not the plain hash', () => {
  const logs = pseudonymizer({ key, purpose: 'security-log' });
  const analytics = pseudonymizer({ key: new Secret(key), purpose: 'analytics' });
  const other = pseudonymizer({ key: randomBytes(32), purpose: 'security-log' });
  const a = logs('alice@example.com');
  assert.match(a, /^anon_[A-Za-z0-9_-]{22}$/);
  assert.equal(logs('alice@example.com'), a);
  assert.notEqual(logs('bob@example.com'), a);
  assert.notEqual(analytics('alice@example.com'), a);
  assert.notEqual(other('alice@example.com'), a);
  assert.ok(!a.includes(createHash('sha256').update('alice@example.com').digest('hex').slice(0, 16)));
  assert.match(pseudonymizer({ key, purpose: 'x', length: 43, prefix: 'u:' })('1'), /^u:[A-Za-z0-9_-]{43}$/);
});

test('weak keys and bad options are refused', () => {
  const cases: Array<[unknown, string]> = [
    [{ key: 'changeme', purpose: 'x' }, 'ERR_RAMPART_WEAK_SECRET'],
    [{ purpose: 'x' }, 'ERR_RAMPART_CONFIG'],
    [{ key, purpose: '' }, 'ERR_RAMPART_CONFIG'],
    [{ key, purpose: 'x', length: 8 }, 'ERR_RAMPART_CONFIG'],
    [{ key, purpose: 'x', salt: 'typo' }, 'ERR_RAMPART_UNKNOWN_OPTION'],
    [undefined, 'ERR_RAMPART_CONFIG'],
  ];
  for (const [options, code] of cases)
    assert.throws(
      () => pseudonymizer(options as never),
      (e: unknown) => isRampartError(e, code as never),
      JSON.stringify(options),
    );
  assert.throws(() => pseudonymizer({ key, purpose: 'x' })(42 as never), { code: 'ERR_RAMPART_CRYPTO_INPUT' });
});

test('property: distinct inputs give distinct pseudonyms', () => {
  const anon = pseudonymizer({ key, purpose: 'p' });
  fc.assert(
    fc.property(fc.string(), fc.string(), (a, b) => {
      assert.equal(anon(a) === anon(b), a === b);
    }),
    { numRuns: 500 },
  );
});
