// Validation messages written after a secret's name (`password: too short`) are messages, not
// values: they stay readable, while a value after the same name is masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactString } from './redact.ts';

const READABLE = [
  'password: too short',
  'password: required',
  'password: Must contain a digit',
  'password: must be at least 8 characters',
  'token: expired',
  'token: invalid signature',
  'token: is missing',
  'secret: missing',
  'secret: not set',
  'apiKey: not provided',
  'pin: 4 digits required',
  'password 8 characters minimum',
  'password: 12 characters or more',
  'Password 2 of 3 attempts failed',
  'passcode: was rejected',
];

const MASKED: Array<[string, string]> = [
  ['password: hunter2', 'password: ***'],
  ['password: correct horse battery staple', 'password: ***'],
  ['password 123 too weak', 'password *** too weak'],
  ['token: 8f14e45fceea167a5a36dedd4bea2543', 'token: ***'],
  ['password=invalid', 'password=***'],
  ['pin: 4821', 'pin: ***'],
  ['password: 8', 'password: ***'],
];

test('redactString keeps validation messages after a secret name readable', () => {
  for (const text of READABLE) assert.equal(redactString(text), text);
});

test('redactString still masks values after the same names', () => {
  for (const [text, expected] of MASKED) assert.equal(redactString(text), expected, text);
});
