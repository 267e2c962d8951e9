// A phone number next to other digits separated only by spaces or tabs (a TSV row, `id 12
// <phone>`, a time before it) was read as one longer number, judged invalid, and left in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactPii } from './pii.ts';

const us = { defaultCountry: 'US' } as const;

test('with defaultCountry, a phone number next to other numbers (dates, times, ids, years) separated only by white space is still found', () => {
  const cases: Array<[string, string]> = [
    ['2024-01-15\t415-555-2671\tAnn', '2024-01-15\t[REDACTED:phone]\tAnn'],
    ['2024-01-15 415-555-2671', '2024-01-15 [REDACTED:phone]'],
    ['14:30 415-555-2671', '14:30 [REDACTED:phone]'],
    ['415-555-2671 14:30', '[REDACTED:phone] 14:30'],
    ['Ann 415-555-2671 2024', 'Ann [REDACTED:phone] 2024'],
    ['Ann, 415 555 2671 2024-01-15', 'Ann, [REDACTED:phone] 2024-01-15'],
    ['id 12 415-555-2671', 'id 12 [REDACTED:phone]'],
    ['3 415-555-2671', '3 [REDACTED:phone]'],
    ['rows 7 8 415-555-2671 9', 'rows 7 8 [REDACTED:phone] 9'],
  ];
  for (const [text, expected] of cases) assert.equal(redactPii(text, us), expected, text);
});

test('a whole candidate that is valid keeps its prefix (trunk 1), and numbers that are no phone stay', () => {
  assert.equal(redactPii('call 1 415 555 2671 now', us), 'call [REDACTED:phone] now');
  for (const text of ['invoice 2024-000123 paid', 'at 2024-01-15 10:30', 'order 12 34 56', 'totals 100 200 300 400']) {
    assert.equal(redactPii(text, us), text, text);
  }
});
