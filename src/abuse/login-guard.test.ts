// Issue 12 item 11: the owner is never locked out. An attacker rotating IPv6 /64s inside
// one /48 (3,000 failures in an hour) must not keep the account's owner out, and must stay
// throttled himself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginGuard } from './index.ts';

const SECRET = 'device-cookie-secret-0123456789';

const ROTATING_64S = (i: number): string => `2001:db8:a77a:${(i % 65_536).toString(16)}::${(i % 7) + 1}`;
const BOTNET = (i: number): string => `2001:db8:${(i + 1).toString(16)}::${(i % 7) + 1}`; // a new /48 every time

/** 3,000 failed logins against `account` within one hour (default: rotating /64s of 2001:db8:a77a::/48). */
async function attack(
  guard: ReturnType<typeof loginGuard>,
  clock: { now: number },
  account: string,
  during: (i: number) => Promise<void>,
  source = ROTATING_64S,
): Promise<{ guesses: number; lastRefused: boolean }> {
  let guesses = 0;
  let lastRefused = false;
  for (let i = 0; i < 3000; i++) {
    clock.now += 1200; // 3,000 attempts per hour
    const ip = source(i);
    const state = await guard.check(ip, account);
    lastRefused = !state.allowed;
    if (state.allowed) {
      guesses++; // the password was tried (and was wrong)
      await guard.fail(ip, account);
    }
    if (i % 150 === 149) await during(i);
  }
  return { guesses, lastRefused };
}

test('the owner logs in from her own IP throughout an IPv6 /64-rotation attack; the attacker stays throttled', async (t) => {
  for (const ownerIp of ['198.51.100.23', '2001:db8:0:4242::17']) {
    const clock = { now: Date.UTC(2025, 0, 1) };
    const guard = loginGuard({ now: () => clock.now, events: { emit() {} } });
    await guard.succeed(ownerIp, 'alice'); // she logged in from home before the attack
    const refusals: number[] = [];
    const { guesses, lastRefused } = await attack(guard, clock, 'alice', async (i) => {
      const mine = await guard.check(ownerIp, 'alice');
      if (!mine.allowed) refusals.push(i);
      else if (i % 600 === 599) await guard.succeed(ownerIp, 'alice'); // and now and then she does log in
    });
    assert.deepEqual(refusals, [], `owner ${ownerIp} was refused during the attack (at attempts ${refusals.slice(0, 5).join(', ')}…)`);
    assert.ok(guesses <= 200, `the attacker tried ${guesses} passwords in an hour (expected ≤ 200)`);
    t.diagnostic(`owner ${ownerIp}: attacker guesses in the hour: ${guesses} of 3000`);
    assert.equal(lastRefused, true, 'at the end of the hour the attacker is still refused');
    const fresh = await guard.check('2001:db8:a77a:ffff::99', 'alice');
    assert.equal(fresh.allowed, false, 'a new /64 of the same /48 is refused too');
    await guard.close();
  }
});

test('device cookie: a client that logged in before is judged on its own failures only', async () => {
  const clock = { now: Date.UTC(2025, 0, 1) };
  const guard = loginGuard({ now: () => clock.now, secret: SECRET, events: { emit() {} } });
  await guard.succeed('192.0.2.10', 'alice');
  const device = guard.issueDevice('alice');
  assert.match(device, /^[A-Za-z0-9_.-]+$/, 'cookie-safe');
  const travelling = '203.0.113.200'; // a hotel network she has never used
  const refused: number[] = [];
  let untrustedRefused = 0;
  // A botnet (a new /48 for every attempt) leaves the account throttle as the only defence.
  const { guesses } = await attack(
    guard,
    clock,
    'alice',
    async (i) => {
      const withCookie = await guard.check(travelling, 'alice', { device });
      if (!withCookie.allowed) refused.push(i);
      else assert.equal(withCookie.trusted, true);
      const without = await guard.check(travelling, 'alice');
      if (!without.allowed) {
        untrustedRefused++;
        assert.equal(without.lock, 'account');
      }
    },
    BOTNET,
  );
  assert.deepEqual(refused, [], 'with her device cookie the owner is let in from a new address');
  assert.ok(untrustedRefused > 0, 'the same new address without the cookie is throttled with the account (untrusted client)');
  assert.ok(guesses < 3000 * 0.6, `the account throttle still slows the botnet (${guesses} guesses)`);
  assert.equal(
    (await guard.check(travelling, 'alice', { device: guard.issueDevice('bob') })).trusted,
    undefined,
    "bob's device cookie does not vouch for alice",
  );
  assert.equal(
    (await guard.check(travelling, 'alice', { device: device.slice(0, -2) + (device.endsWith('AA') ? 'BB' : 'AA') })).trusted,
    undefined,
    'a forged cookie is ignored',
  );
  assert.equal((await guard.check(travelling, 'alice', { device: 'x'.repeat(5000) })).trusted, undefined, 'junk is ignored');
  assert.equal((await guard.check(travelling, 'ALICE ', { device })).trusted, true, 'account names are normalised');

  // The device's own failures lock the device: it is then an untrusted client again.
  const other = '203.0.113.201';
  for (let i = 0; i < 5; i++) await guard.fail(other, 'alice', { device });
  const locked = await guard.check('203.0.113.202', 'alice', { device });
  assert.equal(locked.allowed, false, 'a device cookie that keeps failing is locked');

  // Expired cookies are ignored.
  const clock2 = { now: Date.UTC(2025, 0, 1) };
  const g2 = loginGuard({ now: () => clock2.now, secret: SECRET, deviceTtl: 3600, accountMaxFailures: 3, events: { emit() {} } });
  const short = g2.issueDevice('carol');
  for (let i = 0; i < 3; i++) await g2.fail(`198.51.100.${i + 1}`, 'carol');
  assert.equal((await g2.check('198.51.100.99', 'carol', { device: short })).allowed, true);
  clock2.now += 3_601_000;
  for (let i = 0; i < 3; i++) await g2.fail(`198.51.100.${i + 1}`, 'carol');
  assert.equal((await g2.check('198.51.100.99', 'carol', { device: short })).allowed, false, 'expired device cookie');
  await guard.close();
  await g2.close();
});

test('issueDevice needs a secret; attempt() hands out a device cookie on success', async () => {
  const plain = loginGuard({ events: { emit() {} } });
  assert.throws(() => plain.issueDevice('alice'), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => loginGuard({ deviceTtl: 0 } as never), { code: 'ERR_RAMPART_CONFIG' });
  const guard = loginGuard({ secret: SECRET, events: { emit() {} } });
  const ok = await guard.attempt('192.0.2.1', 'dave', () => true);
  assert.equal(ok.ok, true);
  assert.equal(typeof ok.device, 'string');
  const bad = await guard.attempt('192.0.2.1', 'dave', () => false);
  assert.equal(bad.device, undefined);
  assert.equal((await guard.check('192.0.2.77', 'dave', { device: ok.device })).allowed, true);
  await plain.close();
  await guard.close();
});

test('an IPv6 attacker rotating /64s is throttled per /48 across accounts too (credential stuffing)', async () => {
  const clock = { now: Date.UTC(2025, 0, 1) };
  const guard = loginGuard({ now: () => clock.now, accountMaxFailures: false, events: { emit() {} } });
  let tried = 0;
  for (let i = 0; i < 1000; i++) {
    clock.now += 500;
    const ip = `2001:db8:5eed:${i.toString(16)}::1`;
    const user = `user${i}`;
    if ((await guard.check(ip, user)).allowed) {
      tried++;
      await guard.fail(ip, user);
    }
  }
  assert.ok(tried <= 100, `${tried} accounts tried from one /48 (ipMaxFailures 100 applies per /48)`);
  assert.equal((await guard.check('2001:db8:5eed:beef::1', 'someone')).lock, 'network');
  await guard.close();
});
