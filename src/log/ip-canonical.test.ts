import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog, SecurityEvent } from './index.ts';
import { normalizeIp } from './fields.ts';

const SPELLINGS = [
  '2001:db8::1',
  '2001:DB8:0:0:0:0:0:1',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '2001:db8:0::1',
  '[2001:db8::1]',
  'fe80::1%eth0'.replace('fe80::1', '2001:db8::1'),
];

test('IPv6 addresses are stored in the RFC 5952 form, whatever the spelling', () => {
  for (const ip of SPELLINGS) assert.equal(normalizeIp(ip).ip, '2001:db8::1', ip);
  const cases: Array<[string, string]> = [
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal zero runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not shortened
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FE80:0000::ABCD', 'fe80::abcd'],
    ['::ffff:192.0.2.1', '192.0.2.1'], // IPv4-mapped: IPv4, as src/client-ip keys it
    ['::FFFF:c000:0201', '192.0.2.1'], // the same, written in hex
    ['::ffff:0:c000:201', '::ffff:0:c000:201'], // IPv4-translated is another address
    ['192.0.2.1', '192.0.2.1'],
  ];
  for (const [input, stored] of cases) assert.equal(normalizeIp(input).ip, stored, input);
  assert.equal(normalizeIp('2001:db8::1::2').ip, null);
});

test('countByIp and getForIp find every spelling of one IPv6 address', async (t) => {
  const log = new SecurityLog({ database: 'memory' });
  t.after(() => log.close());
  const four = SPELLINGS.slice(0, 4);
  for (const ip of four) await log.log(SecurityEvent.LOGIN_FAILED, { ip, userId: 'a' }, { wait: true });
  assert.deepEqual(
    (await log.getRecent()).map((r) => r.ipAddress),
    four.map(() => '2001:db8::1'),
  );
  for (const q of SPELLINGS) {
    assert.equal(await log.countByIp(q, SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }), 4, q);
    assert.equal((await log.getForIp(q)).length, 4, q);
  }
});
