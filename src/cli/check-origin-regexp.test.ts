/**
 * W011 judges a credentialed `cors.origins` RegExp by the origins it can match: a safe,
 * anchored pattern under your own domain is not reported; look-alike-accepting ones are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broadOriginRegExp } from './check-origin-regexp.ts';
import { checkOptions } from './check-rules.ts';

const SAFE: RegExp[] = [
  /^https:\/\/[a-z0-9.-]+\.example\.com$/,
  /^https:\/\/([a-z0-9-]+\.)?example\.com$/,
  /^https:\/\/(?:[a-z0-9-]+\.)*example\.co\.uk$/,
  /^https:\/\/app\.example\.com$/,
  /^https:\/\/app\.example\.com(:\d+)?$/,
  /^https:\/\/app\.example\.com:[0-9]{2,5}$/,
  /^https?:\/\/(www|app)\.example\.com$/i,
  /^(https:\/\/app\.example\.com|https:\/\/admin\.example\.com)$/,
  /^https:\/\/[^.]+\.example\.com$/,
  /^https:\/\/(?<tenant>[a-z]+)\.example\.com$/,
  /^https:\/\/.*\.example\.com$/,
];

// [pattern, an origin it accepts that the owner of example.com does not control]
const UNSAFE: Array<[RegExp, string]> = [
  [/https:\/\/app\.example\.com/, 'https://app.example.com.evil.net'],
  [/^https:\/\/app\.example\.com/, 'https://app.example.com.evil.net'],
  [/example\.com$/, 'https://evilexample.com'],
  [/^https:\/\/app.example.com$/, 'https://app-example.com'],
  [/^https:\/\/app\.example\.com[^/]*$/, 'https://app.example.com.evil.net'],
  [/^https:\/\/[a-z0-9-]+example\.com$/, 'https://evilexample.com'],
  [/^https:\/\/[a-z]+\.com$/, 'https://evil.com'],
  [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'https://evil.github.io'],
  [/^https:\/\/app\.example\.com|https:\/\/admin\.example\.com$/, 'https://app.example.com.evil.net'],
  [/^https:\/\/(.+)$/, 'https://evil.net'],
  [/^https:\/\/[\w.-]+$/, 'https://evil.net'],
  [/^https:\/\/app\.example\.com.*$/, 'https://app.example.com.evil.net'],
];

for (const re of SAFE) {
  test(`W011 accepts the safe pattern ${re}`, () => {
    assert.equal(broadOriginRegExp(re), undefined);
    assert.ok(!checkOptions({ cors: { origins: re, allowCredentials: true } }, true).some((f) => f.id === 'RAMPART-W011'));
  });
}

for (const [re, foreign] of UNSAFE) {
  test(`W011 reports ${re}`, () => {
    assert.ok(re.test(foreign), `the pattern really accepts ${foreign}`);
    assert.ok(broadOriginRegExp(re) !== undefined);
    const w011 = checkOptions({ cors: { origins: re, allowCredentials: true } }, true).filter((f) => f.id === 'RAMPART-W011');
    assert.deepEqual(
      w011.map((f) => f.severity),
      ['error'],
    );
  });
}

test('RegExps inside an origins list are judged too', () => {
  const list = ['https://app.example.com', /^https:\/\/app\.example\.com$|evil/, /^https:\/\/[a-z0-9-]+\.example\.com$/];
  const w011 = checkOptions({ cors: { origins: list as never, allowCredentials: true } }, true).filter((f) => f.id === 'RAMPART-W011');
  assert.equal(w011.length, 1);
  assert.match(w011[0]!.message, /evil/);
});

test('without credentials a RegExp is not W011', () => {
  assert.ok(!checkOptions({ cors: { origins: /^https:\/\/(.+)$/ } }, true).some((f) => f.id === 'RAMPART-W011'));
});
