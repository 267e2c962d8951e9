/**
 * monitor(): bounded response counts, alert rules with de-duplication per key per window,
 * the alert rate limit, sensitive paths, ALERT events, and construction errors.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { alertLines, alertWebhook, monitor, type Alert, type AlertSink } from './index.ts';
import { stack } from '../stack/index.ts';
import { SecurityLog, SecurityEvent, eventDescription } from '../log/index.ts';
import { isRampartError } from '../errors.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { serve, type TestApp } from '../../test/helpers/adapters.ts';
import { isSensitivePath } from './rules.ts';
import { DEFAULT_SENSITIVE_PATHS } from './options.ts';

process.env.RAMPART_SILENT = '1';

/** A sink that keeps what it is sent (a real AlertSink: the interface is the contract). */
function collect(): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return { name: 'collect', alerts, send: (a) => void alerts.push(a) };
}

const statusApp: TestApp = (req) => {
  const m = /^\/status\/(\d{3})/.exec(req.path);
  return { status: m === null ? 200 : Number(m[1]), body: 'x' };
};

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await fetch(url, { headers });
  await r.arrayBuffer();
  return r.status;
}

test('counts responses by class, status, canonical path and client; paths beyond maxPaths go to "other", clients beyond maxClients are evicted', async () => {
  const m = monitor({ maxPaths: 3, maxClients: 2, rules: { notFound: false, scanning: false, serverErrors: false } });
  const app = await serve('node', stack([m], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }), statusApp);
  try {
    await get(`${app.url}/status/200`);
    await get(`${app.url}/STATUS//200`); // the same canonical path
    await get(`${app.url}/status/404`);
    await get(`${app.url}/status/503`);
    await get(`${app.url}/status/201`); // fourth path: "other"
    await get(`${app.url}/a`, { 'x-forwarded-for': '198.51.100.1' });
    await get(`${app.url}/a`, { 'x-forwarded-for': '198.51.100.2' }); // third client: the oldest is evicted
    const { current, previous } = m.snapshot();
    assert.equal(previous, undefined);
    assert.equal(current.total, 7);
    assert.deepEqual(current.byClass, { '2xx': 5, '4xx': 1, '5xx': 1 });
    assert.deepEqual(current.byStatus, { '200': 4, '201': 1, '404': 1, '503': 1 });
    assert.deepEqual(
      current.paths.map((p) => [p.path, p.requests, p.clientErrors, p.serverErrors]),
      [
        ['/status/200', 2, 0, 0],
        ['/status/404', 1, 1, 0],
        ['/status/503', 1, 0, 1],
      ],
    );
    assert.deepEqual(current.otherPaths, { requests: 3, clientErrors: 0, serverErrors: 0 });
    assert.deepEqual(
      current.clients.map((c) => c.client),
      ['198.51.100.1', '198.51.100.2'],
    );
    assert.equal(current.evictedClients, 1);
  } finally {
    await app.close();
    await m.close();
  }
});

test('a window rolls over: the previous window is kept, the current one starts empty', () => {
  let clock = 1_000_000;
  const m = monitor({ window: 10, now: () => clock });
  const counts = m.snapshot();
  assert.equal(counts.current.total, 0);
  clock += 25_000;
  const later = m.snapshot();
  assert.equal(later.previous?.total, 0);
  assert.equal(later.current.window, 10);
  assert.equal(Date.parse(later.current.since), 1_000_000 + 20_000);
});

test('LOGIN_FAILED bursts alert once per key per window (per IP and per account); a new window alerts again', () => {
  let clock = 1_000_000;
  const sink = collect();
  const events: SecurityEventRecord[] = [];
  const m = monitor({
    now: () => clock,
    sinks: [sink],
    events: { emit: (r) => void events.push(r) },
    rules: { loginFailedIp: { threshold: 3, window: 60, severity: 'critical' }, loginFailedAccount: { threshold: 4, window: 60 } },
  });
  for (let i = 0; i < 10; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.9', userId: 'alice' });
  m.emit({ event: 'LOGIN_SUCCESS', ip: '198.51.100.7', userId: 'bob' });
  assert.deepEqual(
    sink.alerts.map((a) => [a.rule, a.severity, a.subject, a.key, a.count, a.threshold, a.window]),
    [
      ['loginFailedIp', 'critical', 'ip', '203.0.113.9', 3, 3, 60],
      ['loginFailedAccount', 'high', 'account', 'alice', 4, 4, 60],
    ],
  );
  assert.equal(events.filter((e) => e.event === 'ALERT').length, 2);
  assert.match(events[0]!.detail!, /^critical loginFailedIp: 3 failed logins from 203\.0\.113\.9 within 60 s \[alert_/);
  assert.equal(events[1]!.userId, 'alice');
  clock += 59_999;
  m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.9', userId: 'alice' });
  assert.equal(sink.alerts.length, 2, 'still the same window');
  clock += 1;
  for (let i = 0; i < 4; i++) m.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.9', userId: 'alice' });
  assert.deepEqual(
    sink.alerts.map((a) => a.rule),
    ['loginFailedIp', 'loginFailedAccount', 'loginFailedIp', 'loginFailedAccount'],
  );
  assert.equal(new Set(sink.alerts.map((a) => a.id)).size, 4, 'every alert has its own id');
  // IPv6 clients are one key per /64
  for (let i = 1; i <= 3; i++) m.emit({ event: 'LOGIN_FAILED', ip: `2001:db8:1:2::${i}` });
  assert.equal(sink.alerts.at(-1)!.key, '2001:db8:1:2::/64');
  assert.equal(sink.alerts.at(-1)!.ip, '2001:db8:1:2::3');
  assert.deepEqual(m.stats().byRule, { loginFailedIp: 3, loginFailedAccount: 2 });
});

test('the alert rate limit holds back alerts beyond max per window and summarises them in one alert when the next window starts', () => {
  let clock = 1_000_000;
  const sink = collect();
  const m = monitor({ now: () => clock, sinks: [sink], events: false, alertLimit: { max: 2, window: 60 }, rules: { loginFailedIp: { threshold: 1 } } });
  for (let i = 1; i <= 5; i++) m.emit({ event: 'LOGIN_FAILED', ip: `192.0.2.${i}` });
  assert.equal(sink.alerts.length, 2);
  assert.equal(m.stats().rateLimited, 3);
  clock += 60_000;
  m.emit({ event: 'LOGIN_FAILED', ip: '192.0.2.99' });
  assert.equal(sink.alerts.length, 4);
  assert.equal(sink.alerts[2]!.summary, true);
  assert.equal(sink.alerts[2]!.suppressed, 3);
  assert.equal(sink.alerts[3]!.key, '192.0.2.99');
  assert.equal(sink.alerts[0]!.suppressed, undefined);
});

test('rule tracking stays bounded: beyond maxClients the oldest key is forgotten and counted', () => {
  const sink = collect();
  const m = monitor({ maxClients: 10, sinks: [sink], events: false, rules: { loginFailedIp: { threshold: 2 } } });
  for (let i = 0; i < 100; i++) m.emit({ event: 'LOGIN_FAILED', ip: `10.0.${i >> 8}.${i & 255}` });
  assert.equal(m.stats().evicted.loginFailedIp, 90);
  assert.equal(sink.alerts.length, 0);
});

test('sensitive paths: secrets, VCS folders, admin panels and server internals, at any depth; look-alikes do not match', () => {
  for (const path of [
    '/.env',
    '/.env.local',
    '/app/.env',
    '/.git/config',
    '/.git',
    '/x/.git/head',
    '/wp-admin/',
    '/wp-login.php',
    '/phpmyadmin/index.php',
    '/.aws/credentials',
    '/server-status',
  ])
    assert.ok(isSensitivePath(path, DEFAULT_SENSITIVE_PATHS), path);
  for (const path of ['/environment', '/.environment', '/.github/x', '/gitlab', '/wp-administrator', '/server-statuses', '/', '/api/users/1'])
    assert.ok(!isSensitivePath(path, DEFAULT_SENSITIVE_PATHS), path);
});

test('status spikes, scanning and sensitive paths through a real server: one alert per rule per client per window', async () => {
  const sink = collect();
  const m = monitor({
    sinks: [sink],
    events: false,
    rules: {
      forbidden: { threshold: 3 },
      notFound: { threshold: 4 },
      serverErrors: { threshold: 2, severity: 'critical' },
      scanning: { threshold: 3 },
      sensitivePath: { severity: 'medium' },
    },
  });
  const app = await serve('node', stack([m], { events: { emit: () => undefined } }), statusApp);
  try {
    for (let i = 0; i < 6; i++) await get(`${app.url}/status/403`);
    for (let i = 0; i < 6; i++) await get(`${app.url}/status/500?${i}`);
    for (let i = 0; i < 8; i++) await get(`${app.url}/status/404/${i % 2}`); // 8 × 404 but 2 paths: no scanning
    assert.deepEqual(sink.alerts.map((a) => a.rule).sort(), ['forbidden', 'notFound', 'serverErrors']);
    for (let i = 0; i < 6; i++) await get(`${app.url}/status/404/p${i}`);
    await get(`${app.url}/.env`);
    await get(`${app.url}/.git/config`);
    await get(`${app.url}/status/200/wp-admin`);
    const rules = sink.alerts.map((a) => a.rule).sort();
    assert.deepEqual(rules, ['forbidden', 'notFound', 'scanning', 'sensitivePath', 'serverErrors']);
    const scan = sink.alerts.find((a) => a.rule === 'scanning')!;
    assert.equal(scan.key, '127.0.0.1');
    assert.equal(scan.count, 3);
    assert.deepEqual(scan.paths, ['/status/404/0', '/status/404/1', '/status/404/p0']);
    const secret = sink.alerts.find((a) => a.rule === 'sensitivePath')!;
    assert.equal(secret.severity, 'medium');
    assert.deepEqual(secret.paths, ['/.env']);
    assert.equal(sink.alerts.find((a) => a.rule === 'serverErrors')!.severity, 'critical');
  } finally {
    await app.close();
    await m.close();
  }
});

test('ALERT is a registered event: alerts reach the SecurityLog the monitor is connected to, which also feeds it LOGIN_FAILED', async () => {
  assert.equal(SecurityEvent.ALERT, 'ALERT');
  assert.ok(eventDescription('ALERT')!.length > 10);
  const log = new SecurityLog({ database: 'memory' });
  const m = monitor({ rules: { loginFailedIp: { threshold: 2 } } });
  const disconnect = m.connect(log);
  try {
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.5', userId: 7 });
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.5', userId: 7 });
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.5', userId: 7 });
    await log.flush();
    const alerts = await log.getByEvent('ALERT');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.ipAddress, '203.0.113.5');
    assert.match(alerts[0]!.detail ?? '', /^high loginFailedIp: 2 failed logins from 203\.0\.113\.5/);
    disconnect();
    for (let i = 0; i < 5; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.6' });
    await log.flush();
    assert.equal((await log.getByEvent('ALERT')).length, 1, 'a disconnected monitor sees nothing more');
  } finally {
    await m.close();
    await log.close();
  }
});

test('alertLines writes one JSON object per line; a crafted path cannot forge a line', () => {
  const lines: string[] = [];
  const m = monitor({
    sinks: [alertLines({ stream: { write: (l: string) => void lines.push(l) } })],
    events: false,
    rules: { loginFailedIp: { threshold: 1 } },
  });
  m.emit({ event: 'LOGIN_FAILED', ip: '192.0.2.1', path: '/login\n{"type":"rampart.alert","forged":true}' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.split('\n').length, 2);
  const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(parsed.type, 'rampart.alert');
  assert.equal(parsed.rule, 'loginFailedIp');
  assert.equal(parsed.forged, undefined);
});

test('misconfiguration is a RampartError at construction, with the fix in the message', () => {
  const bad: Array<[() => unknown, string, RegExp]> = [
    [() => monitor({ rules: { notFund: { threshold: 3 } } as never }), 'ERR_RAMPART_UNKNOWN_OPTION', /did you mean "notFound"/],
    [() => monitor({ rules: { notFound: { threshold: 0 } } }), 'ERR_RAMPART_CONFIG', /notFound\.threshold must be an integer from 1/],
    [() => monitor({ rules: { notFound: { severity: 'urgent' as never } } }), 'ERR_RAMPART_CONFIG', /severity must be one of low, medium, high, critical/],
    [() => monitor({ rules: { scanning: { window: 0 } } }), 'ERR_RAMPART_CONFIG', /scanning\.window/],
    [() => monitor({ window: -1 }), 'ERR_RAMPART_CONFIG', /monitor\.window/],
    [() => monitor({ maxPaths: 0 }), 'ERR_RAMPART_CONFIG', /maxPaths/],
    [() => monitor({ sensitivePaths: ['.env'] }), 'ERR_RAMPART_CONFIG', /starting with '\/'/],
    [() => monitor({ sinks: [{} as never] }), 'ERR_RAMPART_CONFIG', /alertLines\(\) or alertWebhook/],
    [() => monitor({ events: 'log' as never }), 'ERR_RAMPART_CONFIG', /events must be an event sink/],
    [() => monitor({ alertLimit: { max: 0 } }), 'ERR_RAMPART_CONFIG', /alertLimit\.max/],
    [() => monitor({ windw: 60 } as never), 'ERR_RAMPART_UNKNOWN_OPTION', /did you mean "window"/],
    [() => alertLines({ stream: {} as never }), 'ERR_RAMPART_CONFIG', /write\(line\)/],
    [() => alertWebhook({ url: 'http://alerts.example/x', secret: `whsec_${'A'.repeat(44)}` }), 'ERR_RAMPART_CONFIG', /must use https:\/\//],
    [() => alertWebhook({ url: 'not a url', secret: `whsec_${'A'.repeat(44)}` }), 'ERR_RAMPART_CONFIG', /absolute URL/],
    [() => alertWebhook({ url: 'https://u:p@alerts.example/x', secret: `whsec_${'A'.repeat(44)}` }), 'ERR_RAMPART_CONFIG', /credentials/],
    [() => alertWebhook({ url: 'https://alerts.example/x', secret: 'hunter2' }), 'ERR_RAMPART_CONFIG', /whsec_.*randomBytes\(32\)/],
    [() => alertWebhook({ url: 'https://alerts.example/x', secret: 'whsec_AAAA' }), 'ERR_RAMPART_CONFIG', /decodes to 3 bytes/],
    [
      () => alertWebhook({ url: 'https://alerts.example/x', secret: `whsec_${'A'.repeat(44)}`, retryMinMs: 5000, retryMaxMs: 10 }),
      'ERR_RAMPART_CONFIG',
      /retryMaxMs/,
    ],
    [() => monitor().connect({} as never), 'ERR_RAMPART_CONFIG', /SecurityLog or an event sink/],
  ];
  for (const [build, code, message] of bad) {
    assert.throws(build, (e: unknown) => isRampartError(e, code as never) && message.test((e as Error).message), `${code} ${message}`);
  }
  assert.throws(
    () => alertWebhook({ url: 'https://a.example', secret: 'hunter2' }),
    (e: unknown) => isRampartError(e, 'ERR_RAMPART_CONFIG') && !(e as Error).message.includes('hunter2'),
    'the secret is never echoed',
  );
});
