/**
 * Issue 15: events the app logs (log.log, logFromRequest) reach the same observers as
 * middleware events, so adaptive blocking fires on app-logged LOGIN_FAILED; loginGuard
 * emits LOGIN_FAILED and its lock events itself.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { adaptiveBlocking, blocklist, loginGuard } from './index.ts';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

test('LOGIN_FAILED logged by the app with logFromRequest feeds adaptive blocking: the client is blocked (every adapter)', async (t) => {
  const log = new SecurityLog({ database: 'memory' });
  let adaptive: ReturnType<typeof adaptiveBlocking> | undefined;
  let unsubscribe: (() => void) | undefined;
  const loginApp: TestApp = async (req) => {
    if (req.path === '/login') {
      await log.logFromRequest(SecurityEvent.LOGIN_FAILED, req.native, { detail: 'invalid password' });
      await adaptive!.settle();
      return { status: 401, body: 'no' };
    }
    return { status: 200, body: 'ok' };
  };
  try {
    await forEachAdapter(
      t,
      () => {
        unsubscribe?.();
        const blocked = blocklist();
        adaptive = adaptiveBlocking({ blocklist: blocked, rules: [{ event: 'LOGIN_FAILED', threshold: 3, withinSeconds: 60, blockSeconds: 60 }] });
        unsubscribe = log.observe(adaptive);
        return stack([blocked], { events: log });
      },
      async (app) => {
        for (let i = 0; i < 3; i++) {
          const r = await fetch(`${app.url}/login`, { method: 'POST', body: 'x' });
          assert.equal(r.status, 401);
          await r.arrayBuffer();
        }
        const after = await fetch(`${app.url}/home`);
        await after.arrayBuffer();
        assert.equal(after.status, 403, 'blocked after three app-logged failures');
      },
      loginApp,
    );
  } finally {
    unsubscribe?.();
    await log.close();
  }
});

test('log.log and emit reach observers; an unsubscribed observer sees nothing more', async () => {
  const log = new SecurityLog({ database: 'memory' });
  try {
    const seen: SecurityEventRecord[] = [];
    const stop = log.observe({ emit: (r) => void seen.push(r) });
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.9', userId: 42, detail: 'invalid password' });
    log.emit({ event: 'RATE_LIMIT_HIT', ip: '203.0.113.9' });
    assert.deepEqual(
      seen.map((r) => [r.event, r.ip, r.userId]),
      [
        ['LOGIN_FAILED', '203.0.113.9', 42],
        ['RATE_LIMIT_HIT', '203.0.113.9', undefined],
      ],
    );
    stop();
    await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.9' });
    assert.equal(seen.length, 2);
  } finally {
    await log.close();
  }
});

test('loginGuard emits LOGIN_FAILED (ip, no account name) on fail() and LOGIN_LOCKED with the ip when it locks', async () => {
  const events: SecurityEventRecord[] = [];
  const guard = loginGuard({ maxFailures: 2, events: { emit: (r) => void events.push(r) } });
  try {
    await guard.fail('203.0.113.9', 'alice');
    assert.deepEqual(
      events.filter((e) => e.event === 'LOGIN_FAILED').map((e) => e.ip),
      ['203.0.113.9'],
    );
    assert.ok(!JSON.stringify(events).includes('alice'), 'account names never reach events');
    await guard.fail('203.0.113.9', 'alice');
    const locked = events.filter((e) => e.event === 'LOGIN_LOCKED');
    assert.equal(locked.length, 1, JSON.stringify(events));
    assert.equal(locked[0]!.ip, '203.0.113.9');
    assert.equal(events.filter((e) => e.event === 'LOGIN_FAILED').length, 2);
  } finally {
    await guard.close();
  }
});
