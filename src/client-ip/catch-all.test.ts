import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catchAllProxyEntries } from './catch-all.ts';
import { compileTrustProxy } from './index.ts';
import { configWarnings } from '../core/events.ts';

test('catchAllProxyEntries: blocks holding public addresses are catch-alls, proxy addresses and private ranges are not', () => {
  assert.deepEqual(catchAllProxyEntries(['0.0.0.0/0', '::/0', '0.0.0.0/1', '128.0.0.0/1', ' 0.0.0.0/00 ', '::ffff:0.0.0.0/96', '2000::/3']), [
    '0.0.0.0/0',
    '::/0',
    '0.0.0.0/1',
    '128.0.0.0/1',
    ' 0.0.0.0/00 ',
    '::ffff:0.0.0.0/96',
    '2000::/3',
  ]);
  assert.deepEqual(
    catchAllProxyEntries(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.1', 'fc00::/7', 'fd00::/8', '::1', '::ffff:10.0.0.0/104']),
    [],
  );
});

test('catchAllProxyEntries: IPv6 blocks that embed every IPv4 address (NAT64, 6to4, Teredo) are catch-alls; narrow blocks inside them are not', () => {
  const wide = [
    '64:ff9b::/96',
    '64:FF9B::/64',
    '64:ff9b::0.0.0.0/96',
    '64:ff9b::/100',
    '64:ff9b:1::/48',
    '2002::/16',
    '2002::/20',
    '2002::/15',
    '2001::/32',
    '2001:0::/36',
    '2001::/16',
  ];
  assert.deepEqual(catchAllProxyEntries(wide), wide);
  assert.deepEqual(
    catchAllProxyEntries([
      '64:ff9b::10.0.0.0/104',
      '64:ff9b::a00:1/128',
      '2002:a00::/24',
      '2002:c000:204::/48',
      '2001:db8::/32',
      '2001:0:a00::/40',
      '2001:db8::/48',
    ]),
    [],
  );
});

test("trustProxy: ['0.0.0.0/1', '128.0.0.0/1'] is announced like trustProxy: true", () => {
  process.env.RAMPART_SILENT = '1';
  compileTrustProxy(['0.0.0.0/1', '128.0.0.0/1']);
  assert.ok(
    configWarnings().some((w) => w.includes('"0.0.0.0/1", "128.0.0.0/1"') && w.includes('as trustProxy: true does')),
    JSON.stringify(configWarnings()),
  );
});
