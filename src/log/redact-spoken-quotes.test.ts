// A password after `is:`, in backticks or typographic quotes, and after the `:=` operator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactString } from './redact.ts';

const CASES: Array<[string, string]> = [
  ['password is: Zx9Secret7', 'password is: ***'],
  ['the password was: Zx9Secret7 ok', 'the password was: *** ok'],
  ['password `Zx9Secret7`', 'password `***`'],
  ['password `correct horse` ok', 'password `***` ok'],
  ['password `Zx9Secret7', 'password `***'],
  ['password ‘Zx9Secret7’', 'password ‘***’'],
  ['password “Zx9 Secret7” ok', 'password “***” ok'],
  ['password «Zx9 Secret7»', 'password «***»'],
  ['password := Zx9Secret7', 'password := ***'],
  ['password:=Zx9Secret7 user=ann', 'password:=*** user=ann'],
];

test('redactString masks a password after is:, in backticks or typographic quotes, and after :=', () => {
  for (const [text, expected] of CASES) assert.equal(redactString(text), expected, text);
});

test('redactString keeps prose after is: and quoted words that are not values readable', () => {
  for (const text of ['password is: required', 'the `password` field', 'status is: ok', 'x := 1']) assert.equal(redactString(text), text);
});
