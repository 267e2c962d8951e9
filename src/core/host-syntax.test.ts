import test from 'node:test';
import assert from 'node:assert/strict';
import { isHostPort } from './host-syntax.ts';

test('isHostPort accepts exactly what the host[:port] grammar accepts (differential against the reference pattern)', async () => {
  // The pattern the scanner replaced, as the oracle (tests are not request paths), with DNS's
  // 63-character label limit ({0,61}: the pattern allowed 64).
  const pattern = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::(0|[1-9]\d{0,4}))?$/;
  // …and a port of at most 65535.
  const oracle = { test: (s: string): boolean => pattern.test(s) && Number(pattern.exec(s)?.[1] ?? 0) <= 65535 };
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
