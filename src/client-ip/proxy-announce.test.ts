/**
 * The ignored header family is announced once per process (warnConfig), naming the option.
 * Its own file: announcements are process-wide, so the order of these steps matters.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { compileTrustProxy } from './index.ts';
import { configWarnings } from '../core/events.ts';
import type { SecurityEventRecord } from '../core/types.ts';

process.env.RAMPART_SILENT = '1';

function recorder(): { emit(r: SecurityEventRecord): void; records: SecurityEventRecord[] } {
  const records: SecurityEventRecord[] = [];
  return { records, emit: (r) => void records.push(r) };
}
const warningsIn = (sink: { records: SecurityEventRecord[] }): string[] => sink.records.filter((r) => r.event === 'CONFIG_WARNING').map((r) => r.detail ?? '');

test('x-forwarded: a Forwarded header from a trusted proxy is announced once, naming proxyHeaders', () => {
  const sink = recorder();
  const t = compileTrustProxy(['127.0.0.1'], { sink });
  t.clientIp('198.51.100.1', undefined, 'for=1.2.3.4'); // untrusted peer: its headers are not read at all
  t.forwardedProto('198.51.100.1', undefined, 'proto=https');
  t.clientIp('127.0.0.1', '203.0.113.9', undefined); // the configured family only: nothing to say
  assert.deepEqual(warningsIn(sink), []);
  t.clientIp('127.0.0.1', '203.0.113.9', 'for=1.2.3.4');
  t.forwardedProto('127.0.0.1', 'http', 'proto=https');
  t.forwardedHost('127.0.0.1', undefined, 'host=evil.example');
  const once = warningsIn(sink);
  assert.equal(once.length, 1);
  assert.match(once[0]!, /proxyHeaders: 'x-forwarded'/);
  assert.match(once[0]!, /proxyHeaders: 'forwarded'/, 'says how to switch');
  // Another shield in the same process: already announced.
  const other = recorder();
  compileTrustProxy(1, { sink: other }).clientIp('10.0.0.1', undefined, 'for=1.2.3.4');
  assert.deepEqual(warningsIn(other), []);
  assert.equal(configWarnings().filter((m) => m.startsWith("proxyHeaders: 'x-forwarded'")).length, 1);
});

test('forwarded: X-Forwarded-* from a trusted proxy is announced once, naming proxyHeaders', () => {
  const sink = recorder();
  const t = compileTrustProxy(['127.0.0.1'], { proxyHeaders: 'forwarded', sink });
  t.clientIp('127.0.0.1', undefined, 'for=203.0.113.9');
  assert.deepEqual(warningsIn(sink), []);
  t.forwardedHost('127.0.0.1', 'evil.example', 'host=app.example');
  t.clientIp('127.0.0.1', '6.6.6.6', 'for=203.0.113.9');
  const once = warningsIn(sink);
  assert.equal(once.length, 1);
  assert.match(once[0]!, /proxyHeaders: 'forwarded'/);
  assert.match(once[0]!, /X-Forwarded/);
});
