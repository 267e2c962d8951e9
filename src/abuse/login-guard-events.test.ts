/**
 * loginGuard's LOGIN_FAILED names the account it was for, as the seed's brute-force pattern
 * logs it (`detail: "email=<identifier>"`, user id when known), read back from a real
 * SecurityLog (embedded PGlite): the account as given when the app vouches for it (it passes
 * the user id it found), masked when the guard cannot tell a real account from whatever was
 * typed into the user-name field (a password, a stuffing list).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog } from '../log/index.ts';
import { loginGuard } from './index.ts';

test('LOGIN_FAILED in the SecurityLog: a known account as given with its userId, an unconfirmed one masked, both correlated by digest', async () => {
  const log = new SecurityLog({ database: 'memory', flushIntervalMs: 10 });
  const guard = loginGuard({ secret: 'a-test-secret-of-32-characters!!', events: log });
  try {
    await guard.fail('203.0.113.7', 'ann@example.com', { userId: 42 });
    await guard.fail('203.0.113.8', 'ann@example.com');
    // Someone typed their password into the e-mail field: no account has that name.
    await guard.fail('203.0.113.9', 'Tr0ub4dor&3horse');
    await guard.fail('203.0.113.9', 'bob', { userId: 'u-7' });
    await log.flush();
    const rows = (await log.getRecent({ limit: 10 })).filter((r) => r.event === 'LOGIN_FAILED').reverse();
    assert.equal(rows.length, 4);
    const [known, unconfirmed, typed, byName] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];

    assert.equal(known.ipAddress, '203.0.113.7');
    assert.equal(String(known.userId), '42');
    assert.match(known.detail ?? '', /\baccount=ann@example\.com\b/);

    assert.equal(unconfirmed.userId, null);
    assert.match(unconfirmed.detail ?? '', /\baccount=a\*\*\*@example\.com\b/);
    assert.ok(!(unconfirmed.detail ?? '').includes('ann@'), 'an unconfirmed name is not stored as given');
    // One account, one digest: an operator correlates the masked failures with the named ones.
    const digest = (detail: string | null) => /#([A-Za-z0-9_-]{16})\b/.exec(detail ?? '')?.[1];
    assert.ok(digest(known.detail) !== undefined);
    assert.equal(digest(unconfirmed.detail), digest(known.detail));

    assert.ok(!(typed.detail ?? '').includes('Tr0ub4dor'), 'what was typed is never stored when no account vouches for it');
    assert.match(typed.detail ?? '', /\baccount=T\*\*\*/);
    assert.notEqual(digest(typed.detail), digest(known.detail));

    assert.equal(String(byName.userId), 'u-7');
    assert.match(byName.detail ?? '', /\baccount=bob\b/);
  } finally {
    await guard.close();
    await log.close();
  }
});

test('loginGuard: a userId that is not a string or an integer is refused (it would be written to the log)', async () => {
  const guard = loginGuard({ events: { emit() {} } });
  try {
    await assert.rejects(guard.fail('203.0.113.7', 'ann', { userId: {} as never }), { code: 'ERR_RAMPART_CONFIG' });
    await assert.rejects(guard.fail('203.0.113.7', 'ann', { userId: 1.5 }), { code: 'ERR_RAMPART_CONFIG' });
  } finally {
    await guard.close();
  }
});

test('LOGIN_LOCKED of an account-bound lock names the account the same way; an address lock across accounts names none', async () => {
  const log = new SecurityLog({ database: 'memory', flushIntervalMs: 10 });
  const guard = loginGuard({ maxFailures: 2, ipMaxFailures: 3, events: log });
  try {
    await guard.fail('203.0.113.7', 'ann@example.com', { userId: 42 });
    await guard.fail('203.0.113.7', 'ann@example.com', { userId: 42 });
    await guard.fail('203.0.113.8', 'bob@example.com');
    await guard.fail('203.0.113.8', 'bob@example.com');
    await log.flush();
    const locked = (await log.getRecent({ limit: 20 })).filter((r) => r.event === 'LOGIN_LOCKED').reverse();
    assert.equal(locked.length, 2, JSON.stringify(locked));
    assert.equal(String(locked[0]!.userId), '42');
    assert.match(locked[0]!.detail ?? '', /^ip\+account lock-out #1 for \d+ s, account=ann@example\.com #[A-Za-z0-9_-]{16}$/);
    assert.equal(locked[1]!.userId, null);
    assert.match(locked[1]!.detail ?? '', /account=b\*\*\*@example\.com #/);
    assert.ok(!(locked[1]!.detail ?? '').includes('bob'));
    // Three failures from one address across accounts: the address lock is not about one account.
    for (const name of ['carol', 'dave', 'erin']) await guard.fail('198.51.100.4', name);
    await log.flush();
    const byAddress = (await log.getRecent({ limit: 50 })).filter((r) => r.event === 'LOGIN_LOCKED' && /address locked/.test(r.detail ?? ''));
    assert.equal(byAddress.length, 1);
    assert.ok(!/account=/.test(byAddress[0]!.detail ?? ''), byAddress[0]!.detail ?? '');
  } finally {
    await guard.close();
    await log.close();
  }
});
