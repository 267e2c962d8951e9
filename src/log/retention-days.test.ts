/**
 * A retention period of 0 days (or a fraction of one) would delete every event, including
 * the ones written a second ago: refused by the option, by cleanup(), by
 * `rampart log cleanup --days` (usage error, exit 2, nothing deleted) and by `rampart check`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../cli/fixtures/run-cli.ts';
import { SecurityEvent, SecurityLog } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'rampart-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('retention.days must be a whole number of days, at least 1', async () => {
  for (const days of [0, -1, 0.5, 1.5, Number.NaN]) {
    assert.throws(
      () => new SecurityLog({ database: 'memory', retention: { days } }),
      (err: { code?: string; message?: string }) => err.code === 'ERR_RAMPART_CONFIG' && /retention\.days/.test(err.message ?? ''),
      String(days),
    );
  }
  const log = new SecurityLog({ database: 'memory', retention: { days: 1 } });
  assert.equal(log.retention?.days, 1);
  await log.close();
});

test('cleanup({ days: 0 }) and fractions below a day are refused and delete nothing', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    await log.log(SecurityEvent.LOGIN_FAILED, {}, { wait: true });
    for (const days of [0, 0.0001, -1]) await assert.rejects(log.cleanup({ days }), { code: 'ERR_RAMPART_CONFIG' }, String(days));
    assert.equal(await log.countByEvent('LOGIN_FAILED'), 1, 'the event is still there');
    assert.deepEqual((await log.cleanup({ days: 1 })).deletedRows, 0);
  } finally {
    await log.close();
  }
});

test('cleanup({ before }) takes an explicit cutoff no later than now, never together with days', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    await log.log(SecurityEvent.LOGIN_FAILED, {}, { wait: true });
    await assert.rejects(log.cleanup({ before: new Date(Date.now() + 60_000) }), { code: 'ERR_RAMPART_CONFIG' });
    await assert.rejects(log.cleanup({ before: new Date(Number.NaN) }), { code: 'ERR_RAMPART_CONFIG' });
    await assert.rejects(log.cleanup({ before: new Date(), days: 1 }), { code: 'ERR_RAMPART_CONFIG' });
    assert.equal((await log.cleanup({ before: new Date(Date.now() - 3_600_000) })).deletedRows, 0);
    assert.equal(await log.countByEvent('LOGIN_FAILED'), 1);
    assert.equal((await log.cleanup({ before: new Date() })).deletedRows, 1, 'an explicit cutoff of now is deliberate');
  } finally {
    await log.close();
  }
});

test('rampart log cleanup --days 0 is a usage error (exit 2) and deletes nothing', async () => {
  const database = join(dir, 'log');
  const log = new SecurityLog({ database });
  await log.log(SecurityEvent.LOGIN_FAILED, {}, { wait: true });
  await log.close();
  for (const days of ['0', '0.5', '-1']) {
    const r = await runCli(['log', 'cleanup', '--days', days, '--database', database]);
    assert.equal(r.code, 2, `${days}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--days/);
  }
  const ok = await runCli(['log', 'cleanup', '--days', '1', '--database', database]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /deleted 0 event/);
  const again = new SecurityLog({ database });
  try {
    assert.equal(await again.countByEvent('LOGIN_FAILED'), 1);
  } finally {
    await again.close();
  }
});

test('cleanup({ before }) outside 1970..now is a config error, never a database error', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    await log.log(SecurityEvent.LOGIN_FAILED, {}, { wait: true });
    for (const before of [new Date(-8.64e15), new Date(-1), new Date(Date.UTC(1969, 11, 31)), new Date(8.64e15)]) {
      await assert.rejects(log.cleanup({ before }), { code: 'ERR_RAMPART_CONFIG' }, before.toISOString());
    }
    assert.equal((await log.cleanup({ before: new Date(0) })).deletedRows, 0, 'the epoch itself is a valid cutoff');
    assert.equal(await log.countByEvent('LOGIN_FAILED'), 1);
  } finally {
    await log.close();
  }
});

test('rampart log cleanup: an empty or non-numeric --days is a usage error that says it is not a number', async () => {
  const database = join(dir, 'log-nan');
  const log = new SecurityLog({ database });
  await log.log(SecurityEvent.LOGIN_FAILED, {}, { wait: true });
  await log.close();
  for (const days of ['', ' ', 'abc', '.', '+', '-', 'NaN', 'Infinity']) {
    const r = await runCli(['log', 'cleanup', `--days=${days}`, '--database', database]);
    assert.equal(r.code, 2, `${JSON.stringify(days)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--days/);
    assert.match(r.stderr, /not a number/, JSON.stringify(days));
    assert.doesNotMatch(r.stderr, /--days 0 would/, JSON.stringify(days));
  }
  // No other spelling reaches cleanup() with a period below a day either.
  for (const days of ['00', '-0', '+0', '0.', '.0', '0e3', '1e-9', '0x0', '0.9', '1.5']) {
    const r = await runCli(['log', 'cleanup', `--days=${days}`, '--database', database]);
    assert.equal(r.code, 2, `${JSON.stringify(days)}: ${r.stdout}${r.stderr}`);
  }
  const again = new SecurityLog({ database });
  try {
    assert.equal(await again.countByEvent('LOGIN_FAILED'), 1, 'nothing was deleted');
  } finally {
    await again.close();
  }
});

test('rampart check reports a log retention of 0 days', async () => {
  const config = join(dir, 'rampart.config.mjs');
  writeFileSync(config, "export default { log: { database: 'memory', retention: { days: 0, every: 60 } } };\n");
  const r = await runCli(['check', '--config', config, '--json'], { env: { NODE_ENV: 'production' } });
  const report = JSON.parse(r.stdout) as { findings: Array<{ id: string; message: string }> };
  const e001 = report.findings.find((f) => f.id === 'RAMPART-E001');
  assert.match(e001?.message ?? '', /ERR_RAMPART_CONFIG: .*retention\.days/, r.stdout);
  assert.equal(r.code, 1);
});
