import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64Url, encodeBase64UrlPadded } from './bytes.ts';

test('decodeBase64Url accepts exactly the canonical spellings', () => {
  assert.deepEqual(decodeBase64Url('QUJD', 'required'), Buffer.from('ABC'));
  assert.deepEqual(decodeBase64Url('QUI=', 'required'), Buffer.from('AB'));
  assert.deepEqual(decodeBase64Url('QUI', 'optional'), Buffer.from('AB'));
  assert.equal(decodeBase64Url('QUI', 'required'), undefined, 'padding required');
  assert.equal(decodeBase64Url('QUJ=', 'required'), undefined, 'non-zero trailing bits');
  assert.equal(decodeBase64Url('QQ=', 'optional'), undefined, 'partial padding');
  assert.equal(decodeBase64Url('QUJD==', 'optional'), undefined, 'excess padding');
  assert.equal(decodeBase64Url('Q', 'optional'), undefined);
  assert.equal(decodeBase64Url('QU+D', 'optional'), undefined, 'standard alphabet refused');
  assert.equal(decodeBase64Url('QU D', 'optional'), undefined);
  assert.equal(decodeBase64Url('QU=D', 'optional'), undefined);
  assert.equal(decodeBase64Url('QUJD\n', 'optional'), undefined);
  assert.equal(decodeBase64Url('QUJDé', 'optional'), undefined);
  assert.equal(decodeBase64Url('QUJD===', 'optional'), undefined);
  assert.deepEqual(decodeBase64Url('', 'required'), Buffer.alloc(0));
});

test('property: encode → decode is the identity and every other spelling is refused', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const padded = encodeBase64UrlPadded(bytes);
      assert.deepEqual(new Uint8Array(decodeBase64Url(padded, 'required') ?? []), bytes);
      assert.deepEqual(new Uint8Array(decodeBase64Url(padded.replace(/=+$/, ''), 'optional') ?? []), bytes);
    }),
    { numRuns: 500 },
  );
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const junk = ['=', '+', '/', ' ', '\n', '%', '*', '\u0000', 'é', '\u{1F600}', '\uD800', '.'];
  const mixed = fc
    .array(fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom(...alphabet), fc.constantFrom(...junk)), { maxLength: 24 })
    .map((a) => a.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 24 }), mixed), (text) => {
      const decoded = decodeBase64Url(text, 'optional');
      if (decoded !== undefined) assert.equal(encodeBase64UrlPadded(decoded).replace(/=+$/, ''), text.replace(/=+$/, ''), 'only canonical text decodes');
    }),
    { numRuns: 2000 },
  );
});
