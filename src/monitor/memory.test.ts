/**
 * The monitor's memory stays bounded whatever the path lengths and the number of clients:
 * the scanning rule keeps fixed-size fingerprints (not paths), samples and counted paths are
 * short copies, and the rules' state stays within `maxStateBytes`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { monitor, type Alert, type AlertSink } from './index.ts';

process.env.RAMPART_SILENT = '1';
const run = promisify(execFile);
const flood = fileURLToPath(new URL('./fixtures/flood.ts', import.meta.url));

test('a flood of clients each asking 19 different 4,000-character 404 paths grows the heap by less than 4 MB (it grew ~16 MB when paths were kept)', async () => {
  const { stdout } = await run(process.execPath, ['--expose-gc', flood, '200', '19', '4000'], { timeout: 60_000 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    heapGrowth: number;
    total: number;
    longestPath: number;
    stats: { memory: { ruleBytes: number; maxStateBytes: number } };
  };
  assert.equal(result.total, 3800);
  assert.ok(result.heapGrowth < 4_000_000, `heap grew by ${result.heapGrowth} bytes`);
  // 200 clients of the scanning rule: key, 19 fingerprints and 5 samples of ≤ 200 characters each
  assert.ok(result.stats.memory.ruleBytes < 200 * 3_000, `rule state ${result.stats.memory.ruleBytes} bytes`);
  assert.ok(result.longestPath <= 256, `a counted path of ${result.longestPath} characters`);
});

test('the rules keep state within maxStateBytes: many accounts with long ids evict the oldest keys instead of growing', () => {
  const sink: AlertSink & { alerts: Alert[] } = { name: 'c', alerts: [], send: (a) => void sink.alerts.push(a) };
  const m = monitor({ events: false, sinks: [sink], maxStateBytes: 1 << 20, rules: { loginFailedAccount: { threshold: 1000 } } });
  const long = 'u'.repeat(5_000);
  for (let i = 0; i < 20_000; i++) m.emit({ event: 'LOGIN_FAILED', userId: `${i}${long}` });
  const { memory, evicted } = m.stats();
  assert.ok(memory.ruleBytes <= memory.maxStateBytes, `${memory.ruleBytes} > ${memory.maxStateBytes}`);
  assert.equal(memory.maxStateBytes, 1 << 20);
  assert.ok((evicted.loginFailedAccount ?? 0) > 0);
});
