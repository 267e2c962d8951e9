/**
 * Issue 15: a proxy in front of the app with trustProxy off (the peers' most reported
 * failure) is detected at runtime: a request from a loopback/private peer that carries
 * X-Forwarded-For or Forwarded raises one CONFIG_WARNING naming the fix.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { compileTrustProxy } from './index.ts';
import { configWarnings } from '../core/events.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

function recorder(): { emit(r: SecurityEventRecord): void; records: SecurityEventRecord[] } {
  const records: SecurityEventRecord[] = [];
  return { records, emit: (r) => void records.push(r) };
}
const proxyWarnings = (sink: { records: SecurityEventRecord[] }): string[] =>
  sink.records.filter((r) => r.event === 'CONFIG_WARNING' && /trustProxy/.test(r.detail ?? '')).map((r) => r.detail ?? '');

test('X-Forwarded-For from a loopback peer with trustProxy off: one CONFIG_WARNING per shield naming the fix (every adapter)', async (t) => {
  let sink = recorder();
  await forEachAdapter(
    t,
    () => {
      sink = recorder();
      return stack([], { events: sink });
    },
    async (app) => {
      const plain = await fetch(`${app.url}/a`);
      assert.equal(plain.status, 200);
      assert.deepEqual(proxyWarnings(sink), [], 'no forwarding header: nothing to say');
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${app.url}/a`, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
        assert.equal(r.status, 200);
        assert.equal(((await r.json()) as { ip: string }).ip, '127.0.0.1', 'the header is still ignored');
      }
      const found = proxyWarnings(sink);
      assert.equal(found.length, 1, JSON.stringify(sink.records));
      assert.match(found[0]!, /X-Forwarded-For/);
      assert.match(found[0]!, /trustProxy: \['127\.0\.0\.1'\]|trustProxy: 1/);
    },
  );
  assert.equal(configWarnings().filter((m) => /trustProxy is off/.test(m)).length, 1, 'one console line and one entry for rampart check per process');
});

test('Forwarded from a private peer is detected too; a public peer or a trusted proxy is not a misconfiguration', () => {
  const off = recorder();
  const trust = compileTrustProxy(false, { sink: off });
  trust.clientIp('198.51.100.7', '203.0.113.1', undefined); // a public client forging the header: ignored silently
  trust.clientIp('203.0.113.50', undefined, 'for=192.0.2.60');
  assert.deepEqual(proxyWarnings(off), []);
  trust.clientIp('10.1.2.3', undefined, 'for=192.0.2.60');
  assert.equal(proxyWarnings(off).length, 1);
  trust.clientIp('::ffff:192.168.1.2', '203.0.113.1', undefined);
  assert.equal(proxyWarnings(off).length, 1, 'once per shield');

  const on = recorder();
  compileTrustProxy(['10.0.0.0/8'], { sink: on }).clientIp('10.1.2.3', '203.0.113.1', undefined);
  assert.deepEqual(proxyWarnings(on), []);
});
