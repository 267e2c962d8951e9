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

test("trustProxy: ['0.0.0.0/1', '128.0.0.0/1'] is announced like trustProxy: true", () => {
  process.env.RAMPART_SILENT = '1';
  compileTrustProxy(['0.0.0.0/1', '128.0.0.0/1']);
  assert.ok(
    configWarnings().some((w) => w.includes('"0.0.0.0/1", "128.0.0.0/1"') && w.includes('as trustProxy: true does')),
    JSON.stringify(configWarnings()),
  );
});
