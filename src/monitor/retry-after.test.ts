import test from 'node:test';
import assert from 'node:assert/strict';
import { retryAfterMs } from './retry-after.ts';

test('retryAfterMs reads delay-seconds and both GMT HTTP-date forms, and nothing else', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now), 7000);
  assert.equal(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now), 7000);
  assert.equal(retryAfterMs('Sun, 06 Nov 1994 08:49:00 GMT', now), 0, 'a past date: no wait');
  assert.equal(retryAfterMs('99999999999', now), undefined, 'more digits than any sane delay');
  assert.equal(retryAfterMs('9999999999', now), 86_400_000, 'capped at a day');
  for (const bad of [null, '', '-5', '1.5', 'soon', '1994-11-06T08:49:37Z', 'Sun, 06 Nov 1994 08:49:37'])
    assert.equal(retryAfterMs(bad, now), undefined, String(bad));
});
