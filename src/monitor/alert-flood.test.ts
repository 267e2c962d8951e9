/**
 * A flood from one source cannot crowd out other alerts: critical alerts are coalesced per rule
 * and client (one alert, then a count in the summary) and bounded per rule (`criticalMax`),
 * delivered through a real webhook receiver.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startReceiver } from '../../test/helpers/webhook-receiver.ts';
import { alertWebhook, monitor, type Alert } from './index.ts';

process.env.RAMPART_SILENT = '1';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

function alertsOf(deliveries: readonly { body: string }[]): Alert[] {
  return deliveries.map((d) => (JSON.parse(d.body) as { data: Alert }).data);
}

test('one IP failing 3 times on each of 2000 accounts (critical loginFailedAccount) sends one alert for that IP and one summary with the count; other sources still alert', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({
    sinks: [hook],
    events: false,
    rules: { loginFailedAccount: { threshold: 3, severity: 'critical' }, loginFailedIp: { threshold: 10 } },
  });
  try {
    for (let u = 0; u < 2000; u++) for (let i = 0; i < 3; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.66', userId: `user${u}` });
    // a real, unrelated incident from another client after the flood
    for (let i = 0; i < 3; i++) m.emit({ event: 'LOGIN_FAILED', ip: '198.51.100.9', userId: 'ceo' });
    await m.flush();
    const during = alertsOf(receiver.deliveries);
    assert.deepEqual(
      during.map((a) => `${a.rule} ${a.severity} ${a.key} ${a.ip}`),
      ['loginFailedAccount critical user0 203.0.113.66', 'loginFailedIp high 203.0.113.66 203.0.113.66', 'loginFailedAccount critical ceo 198.51.100.9'],
    );
    assert.equal(hook.stats().dropped, 0);
    assert.equal(m.stats().raised, 3);
    await m.close();
    const all = alertsOf(receiver.deliveries);
    assert.equal(all.length, 4);
    const summary = all[3]!;
    assert.equal(summary.summary, true);
    assert.equal(summary.rule, 'loginFailedAccount');
    assert.equal(summary.severity, 'critical');
    assert.equal(summary.suppressed, 1999);
    assert.deepEqual(summary.sources, [{ ip: '203.0.113.66', count: 1999 }]);
    assert.match(summary.message, /1999 more loginFailedAccount alerts held back/);
    assert.match(summary.message, /1999 from 203\.0\.113\.66/);
    assert.equal(hook.stats().dropped, 0);
  } finally {
    await m.close();
    await receiver.close();
  }
});

test('critical alerts of one rule are bounded per window (criticalMax), the rest summarised; the first alert of another rule still goes out', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({
    sinks: [hook],
    events: false,
    alertLimit: { criticalMax: 20 },
    rules: { loginFailedIp: { threshold: 1, severity: 'critical' }, loginFailedAccount: { threshold: 1, severity: 'critical' } },
  });
  try {
    for (let i = 0; i < 500; i++) m.emit({ event: 'LOGIN_FAILED', ip: `2001:db8:${i.toString(16)}::1` });
    m.emit({ event: 'LOGIN_FAILED', userId: 'admin' });
    await m.flush();
    const during = alertsOf(receiver.deliveries);
    assert.equal(during.filter((a) => a.rule === 'loginFailedIp').length, 20);
    assert.deepEqual(
      during.filter((a) => a.rule === 'loginFailedAccount').map((a) => a.key),
      ['admin'],
    );
    await m.close();
    const summary = alertsOf(receiver.deliveries).find((a) => a.summary === true);
    assert.ok(summary);
    assert.equal(summary.rule, 'loginFailedIp');
    assert.equal(summary.suppressed, 480);
    assert.equal(hook.stats().dropped, 0);
  } finally {
    await m.close();
    await receiver.close();
  }
});

test('alertLimit.criticalMax is validated', () => {
  assert.throws(() => monitor({ alertLimit: { criticalMax: 0 } }), { code: 'ERR_RAMPART_CONFIG' });
});
