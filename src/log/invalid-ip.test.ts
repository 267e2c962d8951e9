import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toRow } from './fields.ts';

const row = (ip: string, detail?: string) => toRow('LOGIN_FAILED', { ip, ...(detail === undefined ? {} : { detail }) }, 4096);

test('an invalid ip quoted into detail is redacted like any stored text', () => {
  const bearer = row('password=hunter2 Bearer abc.def.ghi.jkl');
  assert.equal(bearer.ip, null);
  assert.ok(!bearer.detail!.includes('hunter2'), bearer.detail!);
  assert.ok(!bearer.detail!.includes('abc.def.ghi'), bearer.detail!);
  assert.match(bearer.detail!, /^\[invalid ip: ".*\*\*\*.*"\]$/);
  const card = row('4111111111111111', 'seen');
  assert.equal(card.detail, 'seen [invalid ip: "***1111"]');
});

test('an invalid ip is bounded before it is scanned, and its quote stays short', () => {
  const long = row(`${'a '.repeat(1_000_000)}token=abcdefghijklmnop`);
  assert.ok(long.detail!.length < 200, String(long.detail!.length));
  assert.match(long.detail!, /^\[invalid ip: "a a a .*…\[truncated \d+ chars\]"\]$/);
  const control = row('1.2.3.4\nFAKE LOG LINE');
  assert.equal(control.detail, '[invalid ip: "1.2.3.4\\\\x0aFAKE LOG LINE"]');
});
