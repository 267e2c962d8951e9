import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { startRedis } from '../../test/helpers/services.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { redisStore } from '../stores/redis.ts';
import { adaptiveBlocking, blocklist, botGuard, loginGuard, scoreUserAgent } from './index.ts';

process.env.RAMPART_SILENT = '1';
const T0 = 60_000 * 16_666_667;

test('blocklist: 403 before any other work, CIDR ranges, expiry, unblock; events once per block per minute', async (t) => {
  let now = T0;
  let events: SecurityEventRecord[] = [];
  let calls = 0;
  await forEachAdapter(
    t,
    () => {
      now = T0;
      events = [];
      calls = 0;
      const blocked = blocklist({ now: () => now, events: { emit: (r) => events.push(r) } });
      void blocked.block('127.0.0.0/8', { seconds: 60, reason: 'test' });
      const counting = { name: 'count', handle: () => void calls++ };
      return stack([blocked, counting, rateLimit({ maxRequests: 100, window: 60, now: () => now })], { events: { emit: (r) => events.push(r) } });
    },
    async (app) => {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(app.url, { method: 'POST', body: 'x' });
        assert.equal(r.status, 403);
        assert.equal(r.headers.get('content-type'), 'application/problem+json');
        assert.equal(r.headers.get('x-ratelimit-limit'), null, 'the rate limiter never ran');
      }
      assert.equal(calls, 0);
      assert.equal(events.filter((e) => e.event === 'IP_BLOCKED').length, 1);
      assert.equal(events.filter((e) => e.event === 'BLOCKED_IP_REQUEST').length, 1);
      now = T0 + 60_000;
      assert.equal((await fetch(app.url)).status, 200, 'the block expired');
    },
  );
});

test('blocklist API: IPs, CIDRs, IPv6 ranges, accounts, bad targets', async () => {
  let now = T0;
  const b = blocklist({ now: () => now, events: { emit() {} } });
  await b.block('192.0.2.7', { seconds: 10 });
  await b.block('10.1.2.3/16', { seconds: 20, reason: 'range' });
  await b.block('2001:db8:1:2::/64', { seconds: 30 });
  assert.equal(b.isBlocked('192.0.2.7'), true);
  assert.equal(b.isBlocked('::ffff:192.0.2.7'), true);
  assert.equal(b.isBlocked('192.0.2.8'), false);
  assert.equal(b.isBlocked('10.1.200.200'), true);
  assert.equal(b.isBlocked('10.2.0.1'), false);
  assert.equal(b.isBlocked('2001:db8:1:2:ffff::1'), true);
  assert.equal(b.isBlocked('2001:db8:1:3::1'), false);
  assert.deepEqual(
    b
      .list()
      .map((e) => e.target)
      .sort(),
    ['10.1.0.0/16', '192.0.2.7', '2001:db8:1:2::/64'],
  );
  now = T0 + 10_000;
  assert.equal(b.isBlocked('192.0.2.7'), false);
  await b.unblock('10.1.0.0/16');
  assert.equal(b.isBlocked('10.1.200.200'), false);
  await b.blockAccount('Alice@Example.com', { seconds: 5 });
  assert.equal(b.isAccountBlocked(' alice@example.com '), true);
  assert.ok(!JSON.stringify(b.list()).includes('alice'), 'account names are stored as digests');
  for (const bad of ['', 'example.com', '300.1.1.1', '10.0.0.0/33', '1.2.3.4/abc', 42]) {
    await assert.rejects(b.block(bad as string), { code: 'ERR_RAMPART_BLOCKLIST_TARGET' });
  }
  assert.throws(() => blocklist({ sync: 1 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  // Checked once at construction, not on the first request or block().
  for (const bad of [{ now: 5 }, { events: {} }, { store: {} }, { secret: 'short' }, { defaultSeconds: 0 }]) {
    assert.throws(() => blocklist(bad as never), { code: 'ERR_RAMPART_CONFIG' }, JSON.stringify(bad));
  }
  await b.close();
});

test('blocklist shared through Redis: a block on one server reaches the others', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const a = blocklist({ store: redisStore({ url: server.url, timeout: 5 }), events: { emit() {} } });
  const b = blocklist({ store: redisStore({ url: server.url, timeout: 5 }), syncInterval: 0.1, events: { emit() {} } });
  try {
    await a.block('198.51.100.0/24', { seconds: 60, reason: 'shared' });
    await b.sync();
    assert.equal(b.isBlocked('198.51.100.9'), true);
    await a.unblock('198.51.100.0/24');
    await b.sync();
    assert.equal(b.isBlocked('198.51.100.9'), false);
  } finally {
    await a.close();
    await b.close();
  }
});

test('adaptive blocking: N events within the window block the IP (IPv6: its /64) or the account', async () => {
  let now = T0;
  const blocked = blocklist({ now: () => now, events: { emit() {} } });
  const adaptive = adaptiveBlocking({
    blocklist: blocked,
    now: () => now,
    rules: [
      { event: 'LOGIN_FAILED', threshold: 3, withinSeconds: 3600, blockSeconds: 900 },
      { event: 'PERMISSION_DENIED', threshold: 2, withinSeconds: 60, blockSeconds: 60, by: 'account' },
    ],
  });
  adaptive.observe({ event: 'LOGIN_FAILED', ip: '203.0.113.5' });
  adaptive.observe({ event: 'LOGIN_FAILED', ip: '203.0.113.5' });
  adaptive.observe({ event: 'LOGIN_SUCCESS', ip: '203.0.113.5' });
  await adaptive.settle();
  assert.equal(blocked.isBlocked('203.0.113.5'), false);
  adaptive.emit({ event: 'LOGIN_FAILED', ip: '203.0.113.5' });
  await adaptive.settle();
  assert.equal(blocked.isBlocked('203.0.113.5'), true);
  for (let i = 0; i < 3; i++) adaptive.observe({ event: 'LOGIN_FAILED', ip: `2001:db8:7:7::${i + 1}` });
  await adaptive.settle();
  assert.equal(blocked.isBlocked('2001:db8:7:7:abcd::1'), true, 'the whole /64 is blocked');
  adaptive.observe({ event: 'PERMISSION_DENIED', userId: 'u42', ip: '192.0.2.1' });
  adaptive.observe({ event: 'PERMISSION_DENIED', userId: 'u42', ip: '192.0.2.2' });
  await adaptive.settle();
  assert.equal(blocked.isAccountBlocked('u42'), true);
  assert.equal(blocked.isBlocked('192.0.2.1'), false);
  now = T0 + 900_000;
  assert.equal(blocked.isBlocked('203.0.113.5'), false, 'blocks expire');
  assert.throws(() => adaptiveBlocking({ blocklist: blocked, rules: [{ event: 'x', threshold: 1, withinSeconds: 1, blockSeconds: 1 }] }), {
    code: 'ERR_RAMPART_CONFIG',
  });
  await adaptive.close();
  await blocked.close();
});

test('loginGuard: pair lock-out after maxFailures with exponential backoff; success clears', async () => {
  let now = T0;
  const events: SecurityEventRecord[] = [];
  const guard = loginGuard({ maxFailures: 3, window: 900, lockout: 60, maxLockout: 200, now: () => now, events: { emit: (r) => events.push(r) } });
  const ip = '203.0.113.10';
  assert.deepEqual(await guard.check(ip, 'alice'), { allowed: true, retryAfter: 0 });
  await guard.fail(ip, 'alice');
  await guard.fail(ip, 'alice');
  const third = await guard.fail(ip, 'alice');
  assert.deepEqual(third, { allowed: false, retryAfter: 60, lock: 'pair' });
  assert.equal((await guard.check(ip, 'alice')).allowed, false);
  // The victim logging in from elsewhere is not locked out.
  assert.equal((await guard.check('198.51.100.1', 'alice')).allowed, true);
  now += 60_000;
  assert.equal((await guard.check(ip, 'alice')).allowed, true);
  for (let i = 0; i < 3; i++) await guard.fail(ip, 'alice');
  assert.equal((await guard.check(ip, 'alice')).retryAfter, 120, 'second lock-out doubles');
  now += 120_000;
  for (let i = 0; i < 3; i++) await guard.fail(ip, 'alice');
  assert.equal((await guard.check(ip, 'alice')).retryAfter, 200, 'capped at maxLockout');
  now += 200_000;
  await guard.succeed(ip, 'alice');
  for (let i = 0; i < 3; i++) await guard.fail(ip, 'alice');
  assert.equal((await guard.check(ip, 'alice')).retryAfter, 60, 'success resets the backoff');
  assert.ok(events.some((e) => e.event === 'LOGIN_LOCKED'));
  assert.ok(!JSON.stringify(events).includes('alice'), 'account names never reach events');
  await guard.close();
});

test('loginGuard: softer per-account throttle, per-IP limit across accounts, unknown accounts alike', async () => {
  let now = T0;
  const guard = loginGuard({ maxFailures: 100, accountMaxFailures: 5, ipMaxFailures: 8, lockout: 30, maxLockout: 600, now: () => now, events: { emit() {} } });
  for (let i = 0; i < 5; i++) await guard.fail(`192.0.2.${i + 1}`, 'bob');
  const throttled = await guard.check('198.51.100.77', 'bob');
  assert.deepEqual(throttled, { allowed: false, retryAfter: 30, lock: 'account' }, 'short, not exponential');
  now += 30_000;
  assert.equal((await guard.check('198.51.100.77', 'bob')).allowed, true);
  for (let i = 0; i < 8; i++) await guard.fail('203.0.113.99', `user${i}`);
  const sprayed = await guard.check('203.0.113.99', 'someone-else');
  assert.deepEqual(sprayed, { allowed: false, retryAfter: 600, lock: 'ip' });
  // Unknown and known accounts go through identical steps: the guard never asks which exists.
  const a = await guard.fail('192.0.2.200', 'no-such-user@example.com');
  const b = await guard.fail('192.0.2.201', 'carol@example.com');
  assert.deepEqual(a, b);
  await assert.rejects(guard.check('192.0.2.1', ''), { code: 'ERR_RAMPART_BLOCKLIST_TARGET' });
  assert.throws(() => loginGuard({ maxFailure: 3 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  await guard.close();
});

test('loginGuard.attempt: check, verify, record, padded to minDuration', async () => {
  const guard = loginGuard({ maxFailures: 2, minDuration: 30, events: { emit() {} } });
  const ok = await guard.attempt('192.0.2.1', 'dave', () => true);
  assert.deepEqual(ok, { allowed: true, retryAfter: 0, ok: true });
  await guard.attempt('192.0.2.1', 'dave', async () => false);
  const locked = await guard.attempt('192.0.2.1', 'dave', async () => false);
  assert.equal(locked.ok, false);
  assert.equal(locked.allowed, false);
  let verified = false;
  const refused = await guard.attempt('192.0.2.1', 'dave', () => (verified = true));
  assert.equal(refused.ok, false);
  assert.equal(verified, false, 'a locked pair never reaches verify');
  await guard.close();
});

test('user-agent scoring: scanners, empty, automation, crawlers, custom patterns', () => {
  assert.equal(scoreUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36').score, 0);
  assert.ok(scoreUserAgent('sqlmap/1.7.2#stable (https://sqlmap.org)').score >= 100);
  assert.ok(scoreUserAgent('Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:Port Check)').score >= 100);
  assert.ok(scoreUserAgent('masscan/1.3 (https://github.com/robertdavidgraham/masscan)').score >= 100);
  assert.equal(scoreUserAgent('').score, 40);
  assert.equal(scoreUserAgent(undefined).score, 40);
  assert.equal(scoreUserAgent('curl/8.5.0').score, 30);
  assert.equal(scoreUserAgent('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)').score, 15);
  assert.equal(scoreUserAgent('curl/8.5.0', { 'curl/8': -30 }).score, 0);
  // Over 2,048 characters: scored on its first 2,048, plus points for the length itself.
  const huge = scoreUserAgent(`Mozilla/5.0 ${'x'.repeat(100_000)} sqlmap`);
  assert.equal(huge.score, 20);
  assert.deepEqual(huge.reasons, ['very long user agent']);
  assert.ok(scoreUserAgent(`sqlmap/1.7 ${'x'.repeat(100_000)}`).score >= 120);
});

test('botGuard: scanners get 403, suspicious clients are flagged, browsers pass', async (t) => {
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack([botGuard()], { events: { emit: (r) => events.push(r) } });
    },
    async (app) => {
      const scan = await fetch(app.url, { headers: { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' } });
      assert.equal(scan.status, 403);
      const empty = await fetch(app.url, { headers: { 'user-agent': '' } });
      assert.equal(empty.status, 200);
      assert.equal((await empty.json()).locals.botScore, 40);
      const browser = await fetch(app.url, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0' } });
      assert.equal(browser.status, 200);
      assert.equal((await browser.json()).locals.botScore, undefined);
      assert.equal(events.filter((e) => e.event === 'SUSPICIOUS_USER_AGENT').length, 1, 'one event per client per minute');
    },
  );
});

test('blocking one IPv6 address blocks its /64 (as clients are keyed); /128 blocks exactly one address', async () => {
  const b = blocklist();
  await b.block('2001:db8:1:2::1', { seconds: 30 });
  assert.equal(b.isBlocked('2001:db8:1:2::2'), true, 'another address of the same /64');
  assert.equal(b.isBlocked('2001:db8:1:2:ffff:ffff:ffff:ffff'), true);
  assert.equal(b.isBlocked('2001:db8:1:3::1'), false);
  assert.deepEqual(
    b.list().map((e) => e.target),
    ['2001:db8:1:2::/64'],
  );
  await b.unblock('2001:db8:1:2::1');
  assert.equal(b.isBlocked('2001:db8:1:2::2'), false, 'unblock with the same spelling lifts it');
  await b.block('2001:db8:1:2::1/128', { seconds: 30 });
  assert.equal(b.isBlocked('2001:db8:1:2::1'), true);
  assert.equal(b.isBlocked('2001:db8:1:2::2'), false);
  // IPv4, and IPv4-mapped IPv6, stay single addresses.
  await b.block('::ffff:192.0.2.9', { seconds: 30 });
  assert.equal(b.isBlocked('192.0.2.9'), true);
  assert.equal(b.isBlocked('192.0.2.10'), false);
});
