/**
 * The alert rate limit cannot be used up by one rule: each rule has its own budget, critical
 * alerts have their own larger budget (criticalMax), and held-back alerts come out as one summary alert per rule.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rampart } from '../preset.ts';
import { monitor, type Alert, type AlertSink } from './index.ts';

process.env.RAMPART_SILENT = '1';

function collect(): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return { name: 'collect', alerts, send: (a) => void alerts.push(a) };
}

test('30 cheap /.env probes from 30 clients do not starve a later serverErrors alert (high or critical), through rampart() on node:http', async () => {
  for (const severity of ['high', 'critical'] as const) {
    const sink = collect();
    const shield = rampart({
      log: false,
      rateLimit: false,
      trustProxy: ['127.0.0.1'],
      monitor: { sinks: [sink], rules: { serverErrors: { threshold: 10, severity } } },
    });
    const server = http.createServer(
      shield.node((req, res) => {
        res.statusCode = req.url === '/api/pay' ? 500 : 404;
        res.end();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (path: string, ip: string) =>
      new Promise<void>((resolve, reject) =>
        http.get({ host: '127.0.0.1', port, path, headers: { 'x-forwarded-for': ip }, agent: false }, (r) => r.resume().on('end', resolve)).on('error', reject),
      );
    try {
      for (let i = 1; i <= 40; i++) await get('/.env', `2001:db8:${i.toString(16)}::1`);
      for (let i = 0; i < 12; i++) await get('/api/pay', '198.51.100.7');
      const errors = sink.alerts.filter((a) => a.rule === 'serverErrors');
      assert.equal(errors.length, 1, severity);
      assert.equal(errors[0]!.severity, severity);
      assert.equal(sink.alerts.filter((a) => a.rule === 'sensitivePath' && a.summary !== true).length, 30);
    } finally {
      server.close();
      await shield.close?.();
      await shield.monitor!.close();
    }
  }
});

test('critical alerts from different clients are not held back within criticalMax (each still once per key per window)', () => {
  const sink = collect();
  const m = monitor({
    now: () => 1_000_000,
    sinks: [sink],
    events: false,
    alertLimit: { max: 1, window: 60 },
    rules: { loginFailedIp: { threshold: 1, severity: 'critical' } },
  });
  for (let i = 1; i <= 50; i++) m.emit({ event: 'LOGIN_FAILED', ip: `192.0.2.${i}` });
  for (let i = 1; i <= 50; i++) m.emit({ event: 'LOGIN_FAILED', ip: `192.0.2.${i}` });
  assert.equal(sink.alerts.length, 50);
  assert.equal(m.stats().rateLimited, 0);
});

test('held-back alerts come out as one summary alert per rule when the limit window ends (and at close)', async () => {
  const sink = collect();
  const m = monitor({
    sinks: [sink],
    events: false,
    alertLimit: { max: 2, window: 1 },
    rules: { loginFailedIp: { threshold: 1 }, loginFailedAccount: { threshold: 1 } },
  });
  for (let i = 1; i <= 7; i++) m.emit({ event: 'LOGIN_FAILED', ip: `192.0.2.${i}` });
  assert.equal(sink.alerts.length, 2);
  assert.equal(m.stats().rateLimited, 5);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  assert.equal(sink.alerts.length, 3);
  const summary = sink.alerts[2]!;
  assert.equal(summary.summary, true);
  assert.equal(summary.rule, 'loginFailedIp');
  assert.equal(summary.suppressed, 5);
  assert.equal(summary.count, 5);
  assert.deepEqual(summary.keys, ['192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7']);
  assert.match(summary.message, /5 more loginFailedIp alerts held back/);
  // held back in the next window, then summarised at close
  for (let i = 1; i <= 4; i++) m.emit({ event: 'LOGIN_FAILED', userId: `acct${i}` });
  assert.equal(sink.alerts.length, 5);
  await m.close();
  assert.equal(sink.alerts.length, 6);
  assert.equal(sink.alerts[5]!.rule, 'loginFailedAccount');
  assert.equal(sink.alerts[5]!.suppressed, 2);
  assert.equal(sink.alerts[5]!.subject, 'account');
});
