import test from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, compileExemptPaths } from './paths.ts';
import { isRampartError } from '../errors.ts';

test('canonicalPath: decoded once; dot segments, empty segments, backslashes and double encoding are not canonical', () => {
  assert.equal(canonicalPath('/webhooks/stripe'), '/webhooks/stripe');
  assert.equal(canonicalPath('/web%68ooks/x'), '/webhooks/x');
  for (const bad of [
    '/webhooks/../admin',
    '/webhooks/%2e%2e/admin',
    '/webhooks/%2E%2E/admin',
    '/webhooks/%252e%252e/admin',
    '/webhooks//x',
    '/webhooks/./x',
    '/webhooks%2f..%2fadmin',
    '/webhooks\\..\\admin',
    '/webhooks/%5c..',
    '/a%00',
    '/%zz',
    'webhooks/x',
    '/webhooks/..',
  ]) {
    assert.equal(canonicalPath(bad), undefined, bad);
  }
});

test('compileExemptPaths: prefix entries, segment-bounded entries, case-sensitive', () => {
  const exempt = compileExemptPaths(['/webhooks/', '/api/public']);
  assert.equal(exempt('/webhooks/stripe'), true);
  assert.equal(exempt('/webhooks/'), true);
  assert.equal(exempt('/webhooks'), false);
  assert.equal(exempt('/Webhooks/stripe'), false);
  assert.equal(exempt('/api/public'), true);
  assert.equal(exempt('/api/public/x'), true);
  assert.equal(exempt('/api/publicity'), false);
  assert.equal(exempt('/webhooks/../admin'), false);
  assert.equal(exempt('/webhooks/%2e%2e/admin'), false);
  assert.equal(exempt('/admin'), false);
  assert.equal(compileExemptPaths([])('/webhooks/x'), false);
});

test('compileExemptPaths: non-canonical or catch-all entries are construction errors', () => {
  for (const bad of ['webhooks/', '/a/../b', '/', '/a//b', '/a%2f']) {
    assert.throws(
      () => compileExemptPaths([bad]),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      bad,
    );
  }
});
