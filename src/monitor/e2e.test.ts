/**
 * End to end: the rampart() preset with `monitor` in front of a real server on every
 * adapter, a scripted scanner making real HTTP requests, and a real webhook receiver that
 * verifies each delivery's Standard Webhooks signature itself. Each rule fires exactly once
 * per window; the next window fires each once more. ALERT events land in the SecurityLog.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rampart, type RampartShield } from '../preset.ts';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { alertWebhook, type Alert, type AlertRuleName } from './index.ts';
import { forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';
import { startReceiver } from '../../test/helpers/webhook-receiver.ts';

process.env.RAMPART_SILENT = '1';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const RULES: readonly AlertRuleName[] = ['forbidden', 'loginFailedAccount', 'loginFailedIp', 'notFound', 'scanning', 'sensitivePath', 'serverErrors'];

async function request(url: string, init: RequestInit = {}): Promise<number> {
  const r = await fetch(url, init);
  await r.arrayBuffer();
  return r.status;
}

/** A scanner's session: secret files, admin panels, a 404 sweep, password guessing, cross-site posts, a crashing route. */
async function scan(base: string): Promise<void> {
  for (const path of ['/.env', '/.git/config', '/wp-admin/', '/phpmyadmin/', '/.aws/credentials', '/server-status'])
    assert.equal(await request(`${base}${path}`), 404, path);
  for (let i = 0; i < 12; i++) assert.equal(await request(`${base}/backup-${i}.zip`), 404);
  for (let i = 0; i < 8; i++) assert.equal(await request(`${base}/login`, { method: 'POST', body: 'user=alice&password=guess' }), 401);
  for (let i = 0; i < 6; i++)
    assert.equal(await request(`${base}/transfer`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: 'to=mallory' }), 403);
  for (let i = 0; i < 6; i++) assert.equal(await request(`${base}/boom`), 500);
  assert.equal(await request(`${base}/`), 200);
}

test('a scripted scanner against rampart() with monitor raises exactly one alert per rule per window at a signed webhook receiver (every adapter)', async (t) => {
  const receiver = await startReceiver(secret);
  const log = new SecurityLog({ database: 'memory' });
  let clock = Date.now();
  let shield: RampartShield | undefined;
  const app: TestApp = async (req) => {
    if (req.path === '/login') {
      // the app logs its own failed logins; the monitor sees them through the log
      await log.logFromRequest(SecurityEvent.LOGIN_FAILED, req.native, { userId: 'alice', detail: 'invalid password' });
      return { status: 401, body: 'no' };
    }
    if (req.path === '/boom') return { status: 500, body: 'crash' };
    if (req.path === '/' || req.path === '/transfer') return { status: 200, body: 'ok' };
    return { status: 404, body: 'not found' };
  };
  try {
    await forEachAdapter(
      t,
      () => {
        receiver.deliveries.length = 0;
        shield = rampart({
          log,
          rateLimit: { maxRequests: 1000, window: 60 },
          monitor: {
            now: () => clock,
            sinks: [alertWebhook({ url: receiver.url, secret, retryMinMs: 10, retryMaxMs: 50 })],
            rules: {
              forbidden: { threshold: 3 },
              notFound: { threshold: 5 },
              serverErrors: { threshold: 3, severity: 'critical' },
              scanning: { threshold: 8 },
              loginFailedIp: { threshold: 4 },
              loginFailedAccount: { threshold: 3 },
            },
          },
        });
        return shield;
      },
      async (running) => {
        const rulesOf = () =>
          receiver.deliveries
            .map((d) => (JSON.parse(d.body) as { data: Alert }).data.rule)
            .sort()
            .join(',');
        await scan(running.url);
        await shield!.monitor!.flush();
        assert.equal(rulesOf(), RULES.join(','), 'one alert per rule');
        assert.ok(
          receiver.deliveries.every((d) => d.verified && d.status === 204),
          'every delivery verifies',
        );
        assert.equal(new Set(receiver.deliveries.map((d) => d.id)).size, RULES.length);
        const byRule = new Map(
          receiver.deliveries.map((d) => [(JSON.parse(d.body) as { data: Alert }).data.rule, (JSON.parse(d.body) as { data: Alert }).data]),
        );
        assert.equal(byRule.get('sensitivePath')!.paths![0], '/.env');
        assert.equal(byRule.get('serverErrors')!.severity, 'critical');
        assert.equal(byRule.get('loginFailedAccount')!.key, 'alice');
        assert.equal(byRule.get('loginFailedIp')!.key, '127.0.0.1');

        // The scanner keeps going in the same window: nothing new.
        await scan(running.url);
        await shield!.monitor!.flush();
        assert.equal(receiver.deliveries.length, RULES.length, 'de-duplicated within the window');

        // Every rule's window has ended: the same session alerts once more per rule.
        clock += 601_000;
        await scan(running.url);
        await shield!.monitor!.flush();
        assert.equal(receiver.deliveries.length, 2 * RULES.length);
        assert.equal(rulesOf(), RULES.flatMap((r) => [r, r]).join(','));
        assert.deepEqual(shield!.monitor!.stats().rateLimited, 0);
        const counts = shield!.monitor!.snapshot().current;
        assert.ok(counts.byStatus['404']! >= 18 && counts.byStatus['500'] === 6, JSON.stringify(counts.byStatus));
      },
      app,
    );
    await log.flush();
    assert.equal(await log.countByEvent('ALERT'), 5 * 2 * RULES.length, 'each alert is an ALERT event in the SecurityLog');
  } finally {
    await log.close();
    await receiver.close();
  }
});

test('the preset refuses a bad monitor option at construction', () => {
  assert.throws(() => rampart({ monitor: { rules: { notFound: { threshold: -1 } } }, log: false }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => rampart({ monitor: 'on' as never, log: false }), { code: 'ERR_RAMPART_CONFIG' });
});
