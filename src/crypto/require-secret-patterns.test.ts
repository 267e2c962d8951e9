// requireSecret's entropy estimate (src/crypto/entropy.ts): random output of a CSPRNG at a
// documented minimum length is never refused, and the human-made values that look varied
// (keyboard walks, the product's own words, dates, well-known example values) are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { checkSecret, requireSecret } from './index.ts';
import { isRampartError } from '../errors.ts';

const SAMPLES = 50_000;

/** The documented minimums: the hashPassword pepper (16), the dashboard token (24), every other secret (32). */
const MINIMUMS = [16, 24, 32] as const;
const ENCODINGS = [
  { name: 'hex', bytesFor: (chars: number) => chars / 2 },
  { name: 'base64', bytesFor: (chars: number) => (chars * 3) / 4 },
  { name: 'base64url', bytesFor: (chars: number) => (chars * 3) / 4 },
] as const;

test(`requireSecret never refuses CSPRNG output as hex, base64 or base64url at the documented minimum (${SAMPLES} samples each)`, () => {
  for (const minBytes of MINIMUMS) {
    for (const { name, bytesFor } of ENCODINGS) {
      let refused = 0;
      let example = '';
      for (let i = 0; i < SAMPLES; i++) {
        const value = randomBytes(bytesFor(minBytes)).toString(name);
        assert.equal(value.length, minBytes);
        try {
          requireSecret(value, { name: 'x.secret', minBytes }).fill(0);
        } catch (error) {
          refused++;
          example = `${value}: ${String(error)}`;
        }
      }
      assert.equal(refused, 0, `${name}, ${minBytes} characters: ${refused} of ${SAMPLES} refused, e.g. ${example}`);
    }
  }
});

test(`checkSecret never refuses a random UUID, scored as its 32 hex digits (${SAMPLES} samples)`, () => {
  let refused = 0;
  for (let i = 0; i < SAMPLES; i++) if (checkSecret(randomUUID()).length > 0) refused++;
  assert.equal(refused, 0);
});

const WEAK_PEPPERS = [
  'qwertyuiopasdfgh',
  '1q2w3e4r5t6y7u8i',
  '2024-01-01T00:00:00Z',
  '123e4567-e89b-12d3-a456-426614174000',
  '550e8400-e29b-41d4-a716-446655440000',
  'asdfghjkl;asdfghjkl',
  'poiuytrewqlkjhgfdsa',
  'zaq1xsw2cde3vfr4',
  '31/12/1999 23:59:59',
  'deadbeefcafebabe',
  'Summer2024Summer2024',
  'Tr4vel!Tr4vel!Tr4v3l',
];
const WEAK_DASHBOARD_TOKENS = [
  'rampart-dashboard-secret-1',
  'dashboardtokendashboard1',
  'qwertyuiopasdfghjklzxcvb',
  'my-dashboard-token-2024!!',
  'correct-horse-battery-staple',
  'Admin-Rampart-Token-2026',
  'testtesttokentoken123456',
  '2026-12-05T08:10:07.000Z0',
  'purple-monkey-purple-monkey',
];

test('requireSecret refuses keyboard walks, the product words, dates and well-known example values', () => {
  const cases: ReadonlyArray<[values: readonly string[], minBytes: number]> = [
    [WEAK_PEPPERS, 16],
    [WEAK_DASHBOARD_TOKENS, 24],
  ];
  for (const [values, minBytes] of cases) {
    for (const value of values) {
      assert.throws(
        () => requireSecret(value, { name: 'x.secret', code: 'ERR_RAMPART_CONFIG', minBytes }),
        (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && !e.message.includes(value),
        value,
      );
    }
  }
});

test('checkSecret: the same values padded to 32 characters stay low entropy', () => {
  for (const value of ['qwertyuiopasdfghjklzxcvbnm123456', 'rampart-dashboard-secret-token-1', 'password-admin-secret-2024-01-01']) {
    assert.ok(
      checkSecret(value).some((p) => p.code === 'SECRET_LOW_ENTROPY' || p.code === 'SECRET_PLACEHOLDER'),
      value,
    );
  }
});
