/**
 * validatePassword looks through format characters, Latin look-alikes from Cyrillic and Greek,
 * and combining marks when it checks the common-password list; digits written with separators
 * or as numeral characters (Roman numerals) are "entirely numeric". Hashing is untouched: these
 * forms are used for the policy checks only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePassword } from './index.ts';
import { hashForm, listForm } from './normalize.ts';

const codes = (pw: string) => validatePassword(pw, { minScore: 0 }).map((p) => p.code);

test('format characters (General_Category Cf) such as the interlinear annotation anchors do not hide a common password', () => {
  for (const pw of ['pass\uFFF9word1234', 'pass\uFFFAword1234', 'pass\uFFFBword1234', 'password\u{110BD}1234', 'password1234\u0600']) {
    assert.ok(codes(pw).includes('password_too_common'), JSON.stringify(pw));
  }
});

test('Cyrillic and Greek look-alikes of Latin letters do not hide a common password', () => {
  for (const pw of ['p\u0430ssword1234', '\u0440\u0430ssw\u043Erd1234', 'PASSW\u039FRD1234', 'p\u0410SSWORD1234', 'qw\u0435rty123456']) {
    assert.ok(codes(pw).includes('password_too_common'), JSON.stringify(pw));
  }
});

test('combining marks on a common password do not hide it', () => {
  for (const pw of ['pa\u0301ssword1234', 'p\u00e1ssword1234', 'pa\u0308\u0323ssword1234']) {
    assert.ok(codes(pw).includes('password_too_common'), JSON.stringify(pw));
  }
});

test('the look-alike form is for the list check only: a Cyrillic or accented password that is not listed passes, and hashing keeps every character', () => {
  assert.deepEqual(codes('\u043F\u0430\u0440\u043E\u043B\u044C-\u0442\u0443\u043D\u0434\u0440\u0430-41'), []);
  assert.deepEqual(codes('caf\u00e9-Tundra-41-parsnip'), []);
  assert.equal(hashForm('p\u0430ssword1234'), 'p\u0430ssword1234');
  assert.equal(listForm('P\u0430\u0301ss\uFFF9w\u041Erd'), 'password');
});

test('digits with separators, and numeral characters such as Roman numerals, are entirely numeric', () => {
  for (const pw of [
    '1234-5678-9012',
    '1234 5678 9012',
    '12.34.56.78.90',
    '+1 (555) 123-4567',
    '2024/12/05 1234',
    '\u2160\u2161\u2162\u2163\u2164\u2165\u2166\u2167\u2168\u2169\u216A\u216B',
    '\u2170\u2171\u2172\u2173\u2174\u2175\u2176\u2177\u2178\u2179\u217A\u217B',
  ]) {
    assert.ok(codes(pw).includes('password_entirely_numeric'), JSON.stringify(pw));
  }
  for (const pw of ['1234-5678-901a', '------------', 'twelve-12-twelve', '1234!5678?9012']) {
    assert.ok(!codes(pw).includes('password_entirely_numeric'), JSON.stringify(pw));
  }
});
