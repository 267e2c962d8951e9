import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookieValues, parseCookies } from './cookies.ts';

test('cookieValues: every value of one name in the order sent, read as parseCookies reads the first, bounded', () => {
  const header = 'a=1; csrf_token=junk; xcsrf_token=no; csrf_token="q%20uoted";csrf_token = spaced ; csrf_tokenx=no; csrf_token=';
  assert.deepEqual(cookieValues(header, 'csrf_token', 16), ['junk', 'q uoted', 'spaced', '']);
  assert.equal(cookieValues(header, 'csrf_token', 16)[0], parseCookies(header).get('csrf_token'));
  assert.deepEqual(cookieValues(header, 'csrf_token', 2), ['junk', 'q uoted']);
  assert.deepEqual(cookieValues(undefined, 'csrf_token', 16), []);
  assert.deepEqual(cookieValues('', 'csrf_token', 16), []);
  assert.deepEqual(cookieValues('=csrf_token=x; csrf_token', 'csrf_token', 16), [], 'a nameless cookie or one without a value is not that cookie');
  const long = `${'p=1; '.repeat(4000)}csrf_token=late`;
  assert.deepEqual(cookieValues(long, 'csrf_token', 16), [], 'only the first 16,384 characters are read, as parseCookies does');
  assert.equal(parseCookies(long).get('csrf_token'), undefined);
});
