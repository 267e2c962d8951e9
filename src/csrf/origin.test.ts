import test from 'node:test';
import assert from 'node:assert/strict';
import { trustedOriginSet, normalizeHost, normalizeOrigin } from './origin.ts';
import { isRampartError } from '../errors.ts';

test('normalizeOrigin: http(s) only, lower-case, default port dropped, no path/userinfo/null', () => {
  assert.equal(normalizeOrigin('HTTPS://App.Example.COM:443'), 'https://app.example.com');
  assert.equal(normalizeOrigin('http://127.0.0.1:80'), 'http://127.0.0.1');
  assert.equal(normalizeOrigin('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  assert.equal(normalizeOrigin('http://[::1]:3000'), 'http://[::1]:3000');
  for (const bad of ['null', 'https://a.example/', 'https://u@a.example', 'ftp://a.example', 'https://', 'https://a b', 'a.example', 'https://a.example:1:2']) {
    assert.equal(normalizeOrigin(bad), undefined, bad);
  }
});

test('normalizeHost validates the Host header', () => {
  assert.equal(normalizeHost('Example.com:443', true), 'example.com');
  assert.equal(normalizeHost('example.com:443', false), 'example.com:443');
  assert.equal(normalizeHost('', false), undefined);
  assert.equal(normalizeHost('evil.com/x', false), undefined);
  assert.equal(normalizeHost('a@b', false), undefined);
});

test('trustedOriginSet rejects "*" and non-origins with a fix', () => {
  assert.deepEqual([...trustedOriginSet(['https://A.example:443', 'http://b.example:8080'], 'x')], ['https://a.example', 'http://b.example:8080']);
  for (const bad of ['*', 'https://a.example/path', 'a.example', 'null']) {
    assert.throws(
      () => trustedOriginSet([bad], 'csrf.trustedOrigins'),
      (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /scheme:\/\/host|exact origins/.test(e.message),
      bad,
    );
  }
});

test('isHostPort accepts exactly what the host[:port] grammar accepts (differential against the reference pattern)', async () => {
  const { isHostPort } = await import('./origin.ts');
  // The pattern the scanner replaced, as the oracle (tests are not request paths), with DNS's
  // 63-character label limit ({0,61}: the pattern allowed 64).
  const oracle = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
  const fixed = [
    'a',
    'a.',
    'a..b',
    '.a',
    '-a',
    'a-',
    'a-.b',
    'a.-b',
    'a-b.c-d',
    'x'.repeat(63),
    'x'.repeat(64),
    `${'x'.repeat(63)}.y`,
    '[::1]',
    '[]',
    '[::1]:8080',
    '[::g]',
    '[::1',
    '::1',
    'a:',
    'a:1',
    'a:123456',
    'a:12345',
    'a.:80',
    '1.2.3.4:0',
    'é.com',
    'a_b',
    '',
    ':80',
    '[::1]x',
    'a..',
    'a.b.',
  ];
  for (const s of fixed) assert.equal(isHostPort(s), oracle.test(s), JSON.stringify(s));
  const alphabet = ['a', 'z', '0', '9', '-', '.', ':', '[', ']', 'f', 'g', '_'];
  let seed = 7;
  const next = (m: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % m;
  };
  for (let k = 0; k < 50_000; k++) {
    const len = next(12);
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[next(alphabet.length)];
    assert.equal(isHostPort(s), oracle.test(s), JSON.stringify(s));
  }
  for (let k = 0; k < 2_000; k++) {
    // long labels around the 63-character limit
    const s = `${'b'.repeat(60 + next(6))}.${'c'.repeat(60 + next(6))}${next(2) ? ':443' : ''}`;
    assert.equal(isHostPort(s), oracle.test(s), s);
  }
});
