/**
 * A cost-0 consume() is a peek: it answers the current decision and writes nothing, in every
 * store and for every algorithm (no key created for a client never seen, no counter moved, no
 * expiry refreshed, no other client's counter evicted). Real redis-server and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, startRedis } from '../../test/helpers/services.ts';
import { memoryStore } from './memory.ts';
import { redisStore } from './redis.ts';
import { postgresStore } from './postgres.ts';
import type { Algorithm, Policy, RateDecision, RateLimitStore } from './types.ts';

const T0 = 60_000 * 16_666_667;
const ALGORITHMS: readonly Algorithm[] = ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'];
const policyOf = (algorithm: Algorithm): Policy => ({ id: `peek-${algorithm}`, algorithm, limit: 4, windowMs: 10_000 });
/** Peeks after two requests at T0: within the window, in the next aligned window, long after. */
const PEEKS = [T0 + 1000, T0 + 12_000, T0 + 45_000];

function sameDecision(got: RateDecision, want: RateDecision, label: string): void {
  assert.equal(got.allowed, want.allowed, `${label}: allowed`);
  assert.equal(got.remaining, want.remaining, `${label}: remaining`);
  assert.ok(Math.abs(got.resetMs - want.resetMs) < 1, `${label}: resetMs ${got.resetMs} vs ${want.resetMs}`);
  assert.ok(Math.abs(got.retryAfterMs - want.retryAfterMs) < 1, `${label}: retryAfterMs ${got.retryAfterMs} vs ${want.retryAfterMs}`);
}

/**
 * Drive `store` through: a peek of a never-seen client, two requests, peeks at later times, and
 * one more request, checking the raw stored state with `snapshot` after each peek and the
 * decisions against the memory store's arithmetic (a fresh memory store per algorithm).
 */
async function peeksWriteNothing(store: RateLimitStore, snapshot: (policy: Policy, key: string) => Promise<unknown>): Promise<void> {
  for (const algorithm of ALGORITHMS) {
    const policy = policyOf(algorithm);
    const reference = memoryStore();
    const label = (what: string) => `${algorithm}: ${what}`;
    sameDecision(await store.consume('never-seen', policy, T0, 0), reference.consume('never-seen', policy, T0, 0), label('peek of a new client'));
    assert.equal(await snapshot(policy, 'never-seen'), undefined, label('a peek of a client never seen creates no counter'));
    for (const dt of [0, 500])
      sameDecision(await store.consume('client', policy, T0 + dt), reference.consume('client', policy, T0 + dt), label(`request at +${dt}`));
    const before = await snapshot(policy, 'client');
    assert.notEqual(before, undefined);
    for (const at of PEEKS) {
      sameDecision(await store.consume('client', policy, at, 0), reference.consume('client', policy, at, 0), label(`peek at +${at - T0}`));
      assert.deepEqual(await snapshot(policy, 'client'), before, label(`the peek at +${at - T0} left the stored counter (and its expiry) as it was`));
    }
    // The peeks changed nothing the next real request sees.
    sameDecision(await store.consume('client', policy, T0 + 1500), reference.consume('client', policy, T0 + 1500), label('request after the peeks'));
    reference.close();
  }
}

test('memory store: a cost-0 consume creates no counter, moves none, and evicts no other client', () => {
  for (const algorithm of ALGORITHMS) {
    const policy = policyOf(algorithm);
    const store = memoryStore({ maxKeys: 2 });
    try {
      store.consume('a', policy, T0);
      store.consume('b', policy, T0);
      const a = store.get('a', policy, T0 + 1000);
      for (let i = 0; i < 50; i++) store.consume(`stranger-${i}`, policy, T0 + 1000, 0);
      assert.equal(store.size, 2, `${algorithm}: peeks added counters`);
      assert.deepEqual(store.get('a', policy, T0 + 1000), a, `${algorithm}: a peek flood evicted a real counter`);
      assert.notEqual(store.get('b', policy, T0 + 1000), undefined);
    } finally {
      store.close();
    }
  }
});

test('memory store: cost-0 peeks write nothing and answer as before, for every algorithm', async () => {
  const store = memoryStore();
  try {
    await peeksWriteNothing(store, async (policy, key) => {
      // No counter: get() is undefined; a counter: its decision at a fixed instant plus the size.
      const d = store.get(key, policy, T0 + 1000);
      return d === undefined ? undefined : { d, size: store.size };
    });
  } finally {
    store.close();
  }
});

test('Redis store: a cost-0 consume writes nothing (no key for a new client, fields and expiry untouched), for every algorithm', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const store = redisStore({ url: server.url, prefix: 'peek:', timeout: 5 });
  const { Redis } = await import('ioredis');
  const probe = new Redis(server.url);
  try {
    await peeksWriteNothing(store, async (policy, key) => {
      const name = `peek:rl:${policy.id}:{${key}}`;
      const fields = await probe.hgetall(name);
      if (Object.keys(fields).length === 0) return undefined;
      // PEXPIRETIME: the absolute expiry, unchanged unless something refreshed it.
      return { fields, expiresAt: await probe.call('PEXPIRETIME', name) };
    });
  } finally {
    probe.disconnect();
    await store.close();
  }
});

test('PostgreSQL store: a cost-0 consume writes nothing (no row for a new client, the row and its expiry untouched), for every algorithm', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const store = postgresStore({ database: server.url, tablePrefix: 'peek_' });
  const { default: postgres } = await import('postgres');
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    await store.open();
    await peeksWriteNothing(store, async (policy, key) => {
      const rows = await sql`SELECT a, b, c, ok, expires_at, xmin::text AS version FROM peek_rate_limit WHERE key = ${`${policy.id}:${key}`}`;
      return rows.length === 0 ? undefined : { ...rows[0] };
    });
  } finally {
    await sql.end();
    await store.close();
  }
});
