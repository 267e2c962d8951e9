import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkEmail, isEmail } from './email.ts';
import { isRampartError } from '../errors.ts';

test('accepts ordinary and internationalised addresses', () => {
  for (const ok of ['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie", 'x_y-z@a-b.io', 'user@bücher.de']) {
    assert.equal(isEmail(ok), true, ok);
  }
  const idn = checkEmail('user@BÜCHER.de');
  assert.equal(idn.ok && idn.asciiDomain, 'xn--bcher-kva.de');
  assert.equal(isEmail('josé@example.com'), false);
  assert.equal(isEmail('josé@example.com', { allowUnicodeLocal: true }), true);
});

test('enforces RFC 5321 lengths', () => {
  assert.equal(isEmail(`${'a'.repeat(64)}@example.com`), true);
  assert.equal(isEmail(`${'a'.repeat(65)}@example.com`), false);
  assert.equal(isEmail(`a@${'b'.repeat(63)}.com`), true);
  assert.equal(isEmail(`a@${'b'.repeat(64)}.com`), false);
  const label = 'c'.repeat(60);
  const longDomain = `${label}.${label}.${label}.${label}.com`; // 247 octets
  assert.equal(isEmail(`abcdef@${longDomain}`), true); // 254 octets: the limit
  assert.equal(isEmail(`abcdefg@${longDomain}`), false); // 255 octets
});

test('refuses malformed addresses', () => {
  const bad = [
    '',
    'plain',
    '@example.com',
    'a@',
    'a@b',
    'a@@example.com',
    'a..b@example.com',
    '.a@example.com',
    'a.@example.com',
    '"quoted"@example.com',
    'a b@example.com',
    'a@exa mple.com',
    'a@-example.com',
    'a@example-.com',
    'a@example.123',
    'a@[127.0.0.1]',
    'a@example.com.',
    'a@localhost',
    'a@server.local',
    'a@site.test',
    'a<script>@example.com',
    'a@example.com\n',
    'a@exa_mple.com',
  ];
  for (const b of bad) assert.equal(isEmail(b), false, JSON.stringify(b));
  assert.equal(isEmail('a@[192.0.2.1]', { allowIpLiteral: true }), true);
  assert.equal(isEmail('a@site.test', { allowReservedTld: true }), true);
  assert.equal(isEmail(42), false);
});

test('unknown options are construction errors', () => {
  assert.throws(
    () => checkEmail('a@example.com', { allowUnicode: true } as never),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
});

test('fuzz: checkEmail never throws and stays bounded on any input', () => {
  fc.assert(
    fc.property(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 300 })), (s) => {
      const r = checkEmail(s);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 5000 },
  );
  // fast-check's generated addresses are RFC 5322 dot-atoms: we accept all that fit RFC 5321 limits and normal TLDs.
  fc.assert(
    fc.property(fc.emailAddress(), (s) => {
      const r = checkEmail(s, { allowReservedTld: true });
      if (!r.ok) assert.match(r.reason, /octets|label|numeric|reserved|domain/);
    }),
    { numRuns: 2000 },
  );
  const huge = 'a'.repeat(100_000) + '@' + 'b.'.repeat(50_000) + 'com';
  assert.equal(isEmail(huge), false);
});
