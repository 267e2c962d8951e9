/**
 * alertWebhook(): Standard Webhooks signatures checked by an independent recompute (and by
 * Python's `standardwebhooks` when installed), retries with backoff, the bounded queue.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { alertWebhook, type Alert } from './index.ts';
import { startReceiver } from '../../test/helpers/webhook-receiver.ts';

process.env.RAMPART_SILENT = '1';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

function alert(n: number): Alert {
  return Object.freeze({
    id: `alert_test${n}`,
    rule: 'scanning',
    severity: 'high',
    subject: 'ip',
    key: '203.0.113.7',
    ip: '203.0.113.7',
    count: 20,
    threshold: 20,
    window: 300,
    time: new Date().toISOString(),
    message: `test alert ${n}`,
    paths: ['/.env'],
  });
}

function pythonHasStandardWebhooks(): boolean {
  try {
    execFileSync('python3', ['-c', 'import standardwebhooks'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('deliveries are signed per Standard Webhooks: id.timestamp.body, HMAC-SHA256 with the whsec_ key, recomputed by the receiver', async () => {
  const receiver = await startReceiver(secret);
  const sink = alertWebhook({ url: receiver.url, secret });
  try {
    sink.send(alert(1));
    await sink.flush();
    assert.equal(receiver.deliveries.length, 1);
    const d = receiver.deliveries[0]!;
    assert.equal(d.id, 'alert_test1');
    assert.match(d.timestamp, /^\d{10}$/);
    assert.ok(Math.abs(Number(d.timestamp) - Date.now() / 1000) < 300);
    assert.match(d.signature, /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.ok(d.verified, 'the independent HMAC recompute matches');
    const body = JSON.parse(d.body) as { type: string; timestamp: string; data: Alert };
    assert.equal(body.type, 'rampart.alert');
    assert.equal(body.data.rule, 'scanning');
    assert.deepEqual(body.data.paths, ['/.env']);
    // a wrong key does not verify (the check can fail)
    const { verifyStandardWebhook } = await import('../../test/helpers/webhook-receiver.ts');
    assert.ok(!verifyStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, d.id, d.timestamp, d.body, d.signature));
    if (pythonHasStandardWebhooks()) {
      const out = execFileSync(
        'python3',
        [
          '-c',
          'import sys, json; from standardwebhooks.webhooks import Webhook; d = json.load(sys.stdin); Webhook(d["secret"]).verify(d["body"], {"webhook-id": d["id"], "webhook-timestamp": d["timestamp"], "webhook-signature": d["signature"]}); print("ok")',
        ],
        { input: JSON.stringify({ secret, ...d }) },
      );
      assert.equal(String(out).trim(), 'ok');
    }
    assert.deepEqual({ ...sink.stats(), lastError: undefined }, { queued: 0, delivered: 1, failed: 0, dropped: 0, retries: 0, lastError: undefined });
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('a receiver that fails twice then succeeds gets the same webhook-id three times, each attempt freshly signed; delivered once', async () => {
  const receiver = await startReceiver(secret);
  receiver.plan = [503, 500, 200];
  const sink = alertWebhook({ url: receiver.url, secret, retryMinMs: 20, retryMaxMs: 100 });
  try {
    sink.send(alert(2));
    await sink.flush();
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.id, d.status, d.verified]),
      [
        ['alert_test2', 503, true],
        ['alert_test2', 500, true],
        ['alert_test2', 200, true],
      ],
    );
    const stats = sink.stats();
    assert.equal(stats.delivered, 1);
    assert.equal(stats.retries, 2);
    assert.equal(stats.failed, 0);
    assert.equal(stats.lastError, 'HTTP 500');
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('a receiver that keeps failing: given up after `retries`, counted as failed, the next alert still goes out', async () => {
  const receiver = await startReceiver(secret);
  receiver.plan = [500, 500, 500, 201];
  const sink = alertWebhook({ url: receiver.url, secret, retries: 2, retryMinMs: 5, retryMaxMs: 20 });
  try {
    sink.send(alert(3));
    sink.send(alert(4));
    await sink.flush();
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.id, d.status]),
      [
        ['alert_test3', 500],
        ['alert_test3', 500],
        ['alert_test3', 500],
        ['alert_test4', 201],
      ],
    );
    assert.equal(sink.stats().failed, 1);
    assert.equal(sink.stats().delivered, 1);
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('bounded queue: while the receiver hangs, send() returns at once and alerts beyond maxQueue are dropped and counted', async () => {
  const receiver = await startReceiver(secret);
  receiver.plan = ['hang'];
  const sink = alertWebhook({ url: receiver.url, secret, maxQueue: 3, retries: 0, timeoutMs: 60_000, closeTimeoutMs: 0 });
  try {
    for (let i = 0; i < 10; i++) sink.send(alert(10 + i));
    const stats = sink.stats();
    assert.equal(stats.queued, 3, 'the alert in delivery and two waiting');
    assert.equal(stats.dropped, 7);
    assert.equal(stats.delivered, 0);
  } finally {
    await sink.close();
    await receiver.close();
  }
  const closed = sink.stats();
  assert.equal(closed.queued, 0);
  assert.equal(closed.dropped + closed.failed, 10, 'close() abandons what is left: every alert is accounted for');
  sink.send(alert(99));
  assert.equal(sink.stats().dropped, closed.dropped + 1, 'a closed sink drops and counts');
});

test('a full queue is announced on the console (once, counted), never thrown', async () => {
  const receiver = await startReceiver(secret);
  receiver.plan = ['hang'];
  const sink = alertWebhook({ url: receiver.url, secret, maxQueue: 1, retries: 0, closeTimeoutMs: 0 });
  const lines: string[] = [];
  const warn = console.warn;
  const silent = process.env.RAMPART_SILENT;
  delete process.env.RAMPART_SILENT;
  console.warn = (line: string) => void lines.push(line);
  try {
    for (let i = 0; i < 5; i++) sink.send(alert(i));
  } finally {
    console.warn = warn;
    process.env.RAMPART_SILENT = silent;
    await sink.close();
    await receiver.close();
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /alertWebhook queue is full \(maxQueue 1; .*\): alert dropped \(1 dropped so far\)/);
});

/** A receiver that answers each POST from `plan` (status and Retry-After) and records when each attempt arrived. */
async function startPacedReceiver(plan: Array<{ status: number; retryAfter?: string }>) {
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      const next = plan.shift() ?? { status: 204 };
      if (next.retryAfter !== undefined) res.setHeader('retry-after', next.retryAfter);
      res.statusCode = next.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    arrivals,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('429 with Retry-After in seconds: the retry waits for it instead of the (much shorter) backoff', async () => {
  const receiver = await startPacedReceiver([{ status: 429, retryAfter: '1' }, { status: 200 }]);
  const sink = alertWebhook({ url: receiver.url, secret, retryMinMs: 1, retryMaxMs: 10_000 });
  try {
    sink.send(alert(20));
    await sink.flush();
    assert.equal(receiver.arrivals.length, 2);
    const gap = receiver.arrivals[1]! - receiver.arrivals[0]!;
    assert.ok(gap >= 900, `the second attempt came ${gap.toFixed(0)} ms after the first; Retry-After asked for 1 s`);
    assert.equal(sink.stats().delivered, 1);
    assert.equal(sink.stats().lastError, 'HTTP 429');
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('503 with Retry-After as an HTTP-date: the retry waits until that date', async () => {
  // HTTP-dates have whole seconds: two seconds ahead is at least one second away.
  const date = new Date(Date.now() + 2000).toUTCString();
  const receiver = await startPacedReceiver([{ status: 503, retryAfter: date }, { status: 200 }]);
  const sink = alertWebhook({ url: receiver.url, secret, retryMinMs: 1, retryMaxMs: 10_000 });
  try {
    sink.send(alert(21));
    await sink.flush();
    assert.equal(receiver.arrivals.length, 2);
    const gap = receiver.arrivals[1]! - receiver.arrivals[0]!;
    assert.ok(gap >= 500, `the second attempt came ${gap.toFixed(0)} ms after the first; Retry-After asked for ${date}`);
    assert.equal(sink.stats().delivered, 1);
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('Retry-After is bounded by retryMaxMs: an hour asked, the retry still comes and the alert is delivered', { timeout: 20_000 }, async () => {
  const receiver = await startPacedReceiver([
    { status: 429, retryAfter: '3600' },
    { status: 429, retryAfter: 'Fri, 01 Jan 2100 00:00:00 GMT' },
    { status: 200 },
  ]);
  const sink = alertWebhook({ url: receiver.url, secret, retryMinMs: 1, retryMaxMs: 200 });
  try {
    sink.send(alert(22));
    await sink.flush();
    assert.equal(receiver.arrivals.length, 3);
    assert.equal(sink.stats().delivered, 1);
    assert.equal(sink.stats().retries, 2);
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('Retry-After: 0, a past date or garbage never turns into a busy loop: the backoff still applies, retries still counted', async () => {
  const past = new Date(Date.now() - 60_000).toUTCString();
  const receiver = await startPacedReceiver([
    { status: 429, retryAfter: '0' },
    { status: 503, retryAfter: past },
    { status: 429, retryAfter: 'soon' },
    { status: 429, retryAfter: '-5' },
    { status: 200 },
  ]);
  const sink = alertWebhook({ url: receiver.url, secret, retries: 4, retryMinMs: 40, retryMaxMs: 40 });
  try {
    sink.send(alert(23));
    await sink.flush();
    assert.equal(receiver.arrivals.length, 5);
    for (let i = 1; i < receiver.arrivals.length; i++) {
      const gap = receiver.arrivals[i]! - receiver.arrivals[i - 1]!;
      assert.ok(gap >= 15, `attempt ${i + 1} came ${gap.toFixed(1)} ms after the one before (backoff is 20–40 ms)`);
    }
    assert.equal(sink.stats().delivered, 1);
  } finally {
    await sink.close();
    await receiver.close();
  }
});

test('close() does not wait out a long Retry-After: closeTimeoutMs bounds it and the alert is accounted for', { timeout: 20_000 }, async () => {
  const receiver = await startPacedReceiver([{ status: 429, retryAfter: '3600' }]);
  const sink = alertWebhook({ url: receiver.url, secret, retryMinMs: 1, retryMaxMs: 3_600_000, closeTimeoutMs: 100 });
  try {
    sink.send(alert(24));
    while (receiver.arrivals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await sink.close();
    assert.equal(receiver.arrivals.length, 1, 'no retry before the asked hour');
    const stats = sink.stats();
    assert.equal(stats.queued, 0);
    assert.equal(stats.delivered, 0);
    assert.equal(stats.failed + stats.dropped, 1);
  } finally {
    await sink.close();
    await receiver.close();
  }
});
