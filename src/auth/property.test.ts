// Properties over arbitrary input: every auth parser answers with a RampartError (or a
// null/false result), never a crash, a hang or a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createJwt, verifyWebhook, totp, recoveryCodes, verifyPassword, validatePassword } from './index.ts';
import { wellFormed, newKey } from './apikeys/format.ts';
import { jsonCopy, parseJson } from './sessions/data.ts';
import { isRampartError } from '../errors.ts';

const jwt = createJwt({ algorithm: 'HS256', secret: 'property-test-secret-of-32-bytes-or-more', issuer: 'https://id.example', audience: 'api' });
const b64u = (s: string) => Buffer.from(s).toString('base64url');

test('jwt.verify: arbitrary strings and structured garbage are RampartErrors', async () => {
  const token = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.tuple(fc.json(), fc.json(), fc.string({ maxLength: 60 })).map(([h, p, s]) => `${b64u(h)}.${b64u(p)}.${s}`),
    fc
      .tuple(fc.dictionary(fc.constantFrom('alg', 'typ', 'kid', 'crit', 'jku', 'b64'), fc.jsonValue()), fc.jsonValue())
      .map(([h, p]) => `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(p))}.AAAA`),
  );
  await fc.assert(
    fc.asyncProperty(token, async (t) => {
      const outcome = await jwt.verify(t).then(
        () => 'passed',
        (e: unknown) => (isRampartError(e) && e.code.startsWith('ERR_RAMPART_JWT_') ? 'refused' : `crash: ${String(e)}`),
      );
      assert.equal(outcome, 'refused');
    }),
    { numRuns: 400, examples: [['eyJhbGciOnsidG9TdHJpbmciOmZhbHNlfX0.MA.AAAA']] },
  );
});

test('API key format: random strings are rejected; one changed character breaks the checksum', () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => !wellFormed(s, 'rk', 'live') || s.startsWith('rk_live_')));
  fc.assert(
    fc.property(fc.nat(), fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), (pos, ch) => {
      const key = newKey('rk', 'live');
      const i = 8 + (pos % 32);
      fc.pre(key[i] !== ch);
      return wellFormed(key, 'rk', 'live') && !wellFormed(key.slice(0, i) + ch + key.slice(i + 1), 'rk', 'live');
    }),
    { numRuns: 300 },
  );
});

test('verifyWebhook: arbitrary headers never pass and never crash', () => {
  const headers = fc.dictionary(
    fc.constantFrom('x-hub-signature-256', 'stripe-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-signature'),
    fc.oneof(fc.string({ maxLength: 200 }), fc.constant('v1,AAAA'), fc.constant('t=1700000000,v1=' + '0'.repeat(64)), fc.constant('sha256=' + 'a'.repeat(64))),
  );
  fc.assert(
    fc.property(
      fc.constantFrom('github', 'stripe', 'standard') as fc.Arbitrary<'github' | 'stripe' | 'standard'>,
      headers,
      fc.string({ maxLength: 100 }),
      (provider, h, body) => {
        try {
          verifyWebhook({ provider, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body, headers: h, now: 1_700_000_000 });
          return false;
        } catch (e) {
          return isRampartError(e) && e.code.startsWith('ERR_RAMPART_SIGNATURE_');
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('totp.verify and recoveryCodes.consume: arbitrary codes are null, valid codes verify', () => {
  const secret = totp.generateSecret();
  const { hashes } = recoveryCodes.generate(3);
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 2 ** 33 }), (code, time) => {
      const expected = totp.generate(secret, { time });
      const result = totp.verify(code, secret, { time, window: 0 });
      return code.replace(/\s/g, '') === expected ? result === Math.floor(time / 30) : result === null;
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (code) => recoveryCodes.consume(code, hashes) === null),
    { numRuns: 300 },
  );
});

test('session data: jsonCopy accepts exactly JSON and round-trips it; parseJson never yields __proto__ keys', () => {
  const hasProtoKey = (x: unknown): boolean => x !== null && typeof x === 'object' && (Object.hasOwn(x, '__proto__') || Object.values(x).some(hasProtoKey));
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const normal = JSON.parse(JSON.stringify(v)); // -0 → 0, as JSON itself does
      // An own "__proto__" key is valid JSON but refused by design (prototype pollution).
      if (hasProtoKey(normal)) {
        assert.throws(
          () => jsonCopy(normal),
          (e: unknown) => isRampartError(e, 'ERR_RAMPART_SESSION_DATA'),
        );
        return true;
      }
      return JSON.stringify(jsonCopy(normal)) === JSON.stringify(normal);
    }),
    { examples: [[{ ['__proto__']: '' }]] },
  );
  // JSON text whose objects are written entry by entry, so keys can repeat and be "__proto__".
  type Entries = { entries: [string, unknown][] };
  const { node } = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 0 }),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.record({ entries: fc.array(fc.tuple(fc.oneof(fc.constant('__proto__'), fc.constant('polluted'), fc.string()), tie('node')), { maxLength: 4 }) }),
    ),
  }));
  const write = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(write).join(',')}]`;
    if (x !== null && typeof x === 'object' && 'entries' in x) {
      return `{${(x as Entries).entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
    }
    return JSON.stringify(x);
  };
  fc.assert(
    fc.property(node.map(write), (text) => {
      const parsed = parseJson(text);
      const walk = (x: unknown): boolean => x === null || typeof x !== 'object' || (!Object.hasOwn(x, '__proto__') && Object.values(x).every(walk));
      return walk(parsed) && ({} as Record<string, unknown>).polluted === undefined;
    }),
  );
});

test('password APIs: arbitrary stored hashes and passwords give RampartErrors or results, never crashes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string({ maxLength: 120 }), fc.constant('$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')),
      fc.string({ maxLength: 40 }),
      async (hash, pw) => {
        try {
          const r = await verifyPassword(hash, pw);
          return typeof r.ok === 'boolean';
        } catch (e) {
          return isRampartError(e);
        }
      },
    ),
    { numRuns: 150 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (pw) => Array.isArray(validatePassword(pw, { minScore: 0 }))),
    { numRuns: 300 },
  );
});
