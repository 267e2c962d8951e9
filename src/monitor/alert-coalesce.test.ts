/**
 * Coalescing an account rule by client IP can never hide an account's alert that other sources
 * contributed to, and summaries name every held-back account up to a generous bound with an
 * exact count of the rest; delivered through a real webhook receiver.
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

test('an account alert other IPs contributed to goes out live even when its last failure comes from an IP that already spent its alert on decoys', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({
    sinks: [hook],
    events: false,
    rules: { loginFailedAccount: { threshold: 5, severity: 'critical' }, loginFailedIp: false },
  });
  try {
    for (let d = 0; d < 6; d++) for (let i = 0; i < 5; i++) m.emit({ event: 'LOGIN_FAILED', ip: '198.51.100.6', userId: `decoy${d}` });
    for (let i = 2; i < 6; i++) m.emit({ event: 'LOGIN_FAILED', ip: `198.51.100.${i}`, userId: 'victim-ceo' });
    m.emit({ event: 'LOGIN_FAILED', ip: '198.51.100.6', userId: 'victim-ceo' });
    await m.flush();
    const live = alertsOf(receiver.deliveries);
    assert.deepEqual(
      live.map((a) => `${a.key} ${a.ip}`),
      ['decoy0 198.51.100.6', 'victim-ceo 198.51.100.6'],
    );
    await m.close();
    const summary = alertsOf(receiver.deliveries).find((a) => a.summary === true);
    assert.ok(summary);
    assert.equal(summary.suppressed, 5);
    assert.deepEqual(summary.keys, ['decoy1', 'decoy2', 'decoy3', 'decoy4', 'decoy5']);
    assert.deepEqual(summary.sources, [{ ip: '198.51.100.6', count: 5 }]);
    assert.equal(hook.stats().dropped, 0);
  } finally {
    await m.close();
    await receiver.close();
  }
});

test('an account alert from failures without a client address is never coalesced into an IP', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({ sinks: [hook], events: false, rules: { loginFailedAccount: { threshold: 3 }, loginFailedIp: false } });
  try {
    for (let i = 0; i < 3; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.9', userId: 'a' });
    m.emit({ event: 'LOGIN_FAILED', userId: 'b' });
    m.emit({ event: 'LOGIN_FAILED', userId: 'b' });
    m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.9', userId: 'b' });
    await m.flush();
    assert.deepEqual(
      alertsOf(receiver.deliveries).map((a) => a.key),
      ['a', 'b'],
    );
  } finally {
    await m.close();
    await receiver.close();
  }
});

test('a summary names every held-back account up to 100 and counts the rest exactly ("and N more")', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({ sinks: [hook], events: false, rules: { loginFailedAccount: { threshold: 2 }, loginFailedIp: false } });
  try {
    for (let u = 0; u < 151; u++) for (let i = 0; i < 2; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.66', userId: `user${u}` });
    await m.close();
    const all = alertsOf(receiver.deliveries);
    assert.equal(all.length, 2);
    const summary = all[1]!;
    assert.equal(summary.suppressed, 150);
    assert.equal(summary.keys?.length, 100);
    assert.equal(summary.keys?.[99], 'user100');
    assert.match(summary.message, /user100, and 50 more\)/);
    assert.equal(hook.stats().dropped, 0);
  } finally {
    await m.close();
    await receiver.close();
  }
});

test('a summary names the alerts held back by the budget before those coalesced into one IP, so a spray cannot push them out of the list', async () => {
  const receiver = await startReceiver(secret);
  const hook = alertWebhook({ url: receiver.url, secret });
  const m = monitor({
    sinks: [hook],
    events: false,
    alertLimit: { criticalMax: 2 },
    rules: { loginFailedAccount: { threshold: 2, severity: 'critical' }, loginFailedIp: false },
  });
  try {
    for (let u = 0; u < 300; u++) for (let i = 0; i < 2; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.66', userId: `decoy${u}` });
    for (const account of ['ops', 'victim-ceo']) {
      m.emit({ event: 'LOGIN_FAILED', ip: '198.51.100.1', userId: account });
      m.emit({ event: 'LOGIN_FAILED', ip: '198.51.100.2', userId: account });
    }
    await m.flush();
    assert.deepEqual(
      alertsOf(receiver.deliveries).map((a) => a.key),
      ['decoy0', 'ops'],
    );
    await m.close();
    const summary = alertsOf(receiver.deliveries).find((a) => a.summary === true);
    assert.ok(summary);
    assert.equal(summary.suppressed, 300);
    assert.equal(summary.keys?.[0], 'victim-ceo');
    assert.equal(summary.keys?.length, 100);
    assert.match(summary.message, /\(victim-ceo, decoy1, .*decoy99, and 200 more\)/);
  } finally {
    await m.close();
    await receiver.close();
  }
});
