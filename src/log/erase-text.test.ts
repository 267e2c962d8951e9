import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountDigestsIn, textEraser, ERASED } from './erase-text.ts';

/** The rule as a regular expression: the oracle for the hand-written scanner (quadratic on hostile lines, so not used in src). */
const ORACLE = /account=[^\n]*? #([A-Za-z0-9_-]{16})(?![A-Za-z0-9_-])/g;
const D = 'cdT1X3L6Eo37Rooa';

test('accountDigestsIn finds what the account=… #<digest> rule matches, and only that', () => {
  const vectors = [
    `login failed: account=ada@example.com #${D}`,
    `account=a***@example.com #${D} then account=bob #${'b'.repeat(16)}`,
    `account=x #${D}x`, // longer run: not a digest
    `account=x #short #${D}`,
    `account=x\n #${D}`, // the digest must be on the same line
    `account= #${D}`,
    `account=#${D}`, // no space before #
    `account=account=account= #${D}`,
    `no account here #${D}`,
    `account=x #${D}-`,
    `account=x #${D}.`,
    `account=x #${D.slice(0, 15)}`,
  ];
  for (const text of vectors) {
    assert.deepEqual(
      accountDigestsIn(text),
      [...text.matchAll(ORACLE)].map((m) => m[1]!),
      text,
    );
  }
});

test('accountDigestsIn stays correct on a long line of account= without a digest (the regex was quadratic there)', () => {
  const hostile = `${'account='.repeat(50_000)} #${D}`;
  assert.deepEqual(accountDigestsIn(hostile), [D]);
  assert.deepEqual(accountDigestsIn('account= #'.repeat(50_000)), []);
});

test("textEraser replaces the account and its digest, in the user's own rows and where the digest links", () => {
  const eraser = textEraser('42', [], [D]);
  assert.equal(eraser.erase(`x account=ada@example.com #${D} y`, true), `x account=${ERASED} y`);
  assert.equal(eraser.erase(`account=a***@example.com #${D}`, false), `account=${ERASED}`);
  assert.equal(eraser.erase(`account=bob #${'b'.repeat(16)}`, false), `account=bob #${'b'.repeat(16)}`);
});
