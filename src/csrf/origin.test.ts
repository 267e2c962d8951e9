import test from 'node:test';
import assert from 'node:assert/strict';
import { trustedOriginSet } from './origin.ts';
import { normalizeHost, normalizeOrigin } from '../core/origin-syntax.ts';
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
