import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPostgres, startRedis } from '../../test/helpers/services.ts';
import { memoryStore } from './memory.ts';
import { redisStore } from './redis.ts';
import { postgresStore, type PostgresStore } from './postgres.ts';
import type { Algorithm, Policy, RateLimitStore } from './types.ts';

const execFileAsync = promisify(execFile);
const HAMMER = fileURLToPath(new URL('./fixtures/hammer.ts', import.meta.url));
const T0 = 60_000 * 16_666_667;
const ALGORITHMS: readonly Algorithm[] = ['sliding-window', 'fixed-window', 'token-bucket', 'gcra'];

/** The same call sequence through a remote store and the memory store gives the same decisions. */
async function sameAsMemory(store: RateLimitStore, label: string): Promise<void> {
  for (const algorithm of ALGORITHMS) {
    const policy: Policy = { id: `p-${algorithm}`, algorithm, limit: 4, windowMs: 10_000 };
    const memory = memoryStore();
    const times = [0, 0, 1000, 2000, 2500, 2500, 9999, 10_000, 10_001, 12_500, 12_500, 15_000, 15_000, 31_000, 31_000];
    for (const dt of times) {
      const want = memory.consume(`k-${label}`, policy, T0 + dt);
      const got = await store.consume(`k-${label}`, policy, T0 + dt);
      assert.equal(got.allowed, want.allowed, `${label} ${algorithm} at +${dt}`);
      assert.equal(got.remaining, want.remaining, `${label} ${algorithm} remaining at +${dt}`);
      assert.ok(Math.abs(got.resetMs - want.resetMs) < 1, `${label} ${algorithm} reset at +${dt}`);
      assert.ok(Math.abs(got.retryAfterMs - want.retryAfterMs) < 1, `${label} ${algorithm} retry at +${dt}`);
    }
    const read = await store.get(`k-${label}`, policy, T0 + 31_000);
    assert.equal(read?.remaining, memory.get(`k-${label}`, policy, T0 + 31_000)?.remaining);
    await store.reset(`k-${label}`, policy);
    assert.equal(await store.get(`k-${label}`, policy, T0 + 31_000), undefined);
    memory.close();
  }
  // Blocks shared through the store.
  await store.block('198.51.100.7', T0 + 5000, 'test');
  assert.equal((await store.blocked('198.51.100.7', T0))?.reason, 'test');
  assert.deepEqual(
    (await store.blocks(T0)).map((b) => b.target),
    ['198.51.100.7'],
  );
  assert.equal(await store.blocked('198.51.100.7', T0 + 5000), undefined);
  await store.unblock('198.51.100.7');
  assert.equal(await store.blocked('198.51.100.7', T0), undefined);
}

async function hammer(kind: string, url: string, key: string, algorithm: Algorithm, limit: number, attempts: number): Promise<number[]> {
  const run = (): Promise<{ stdout: string }> =>
    execFileAsync(process.execPath, [HAMMER, kind, url, key, algorithm, String(limit), String(attempts)], { timeout: 120_000 });
  const outs = await Promise.all([run(), run()]);
  return outs.map((o) => Number(o.stdout.trim()));
}

test('Redis store: same decisions as the memory store for every algorithm; blocks; hash-tagged keys', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const store = redisStore({ url: server.url, prefix: 'rt:', timeout: 5 });
  try {
    await sameAsMemory(store, 'redis');
    await store.consume('203.0.113.9', { id: 'g', algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }, Date.now());
    const { Redis } = await import('ioredis');
    const probe = new Redis(server.url);
    try {
      assert.deepEqual(await probe.keys('rt:rl:*'), ['rt:rl:g:{203.0.113.9}']);
      const ttl = await probe.pttl('rt:rl:g:{203.0.113.9}');
      assert.ok(ttl > 0 && ttl <= 120_000);
    } finally {
      probe.disconnect();
    }
  } finally {
    await store.close();
  }
});

test('Redis store: a counter outlives the end of its state by a margin (a decision that reaches Redis late still sees it)', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  // States that matter for only 1–10 ms more at the app's clock. Expiring them by Redis's own
  // clock that exactly forgot them when the command ran a few ms after the app read its clock
  // (a loaded event loop, an app clock slightly behind), resetting the counter early.
  const cases: Array<[Policy, number]> = [
    [{ id: 'late-f', algorithm: 'fixed-window', limit: 5, windowMs: 1000 }, T0 + 990],
    [{ id: 'late-t', algorithm: 'token-bucket', limit: 1000, windowMs: 1000 }, T0],
    [{ id: 'late-g', algorithm: 'gcra', limit: 1000, windowMs: 1000 }, T0],
  ];
  const store = redisStore({ url: server.url, prefix: 'late:', timeout: 5 });
  const { Redis } = await import('ioredis');
  const probe = new Redis(server.url);
  try {
    for (const [policy, now] of cases) {
      await store.consume('203.0.113.5', policy, now);
      await store.consumeAll!('203.0.113.6', [policy], now, []);
      for (const ip of ['203.0.113.5', '203.0.113.6']) {
        const ttl = await probe.pttl(`late:rl:${policy.id}:{${ip}}`);
        assert.ok(ttl > 500, `${policy.algorithm} (${ip}): expires in ${ttl} ms`);
      }
    }
  } finally {
    probe.disconnect();
    await store.close();
  }
});

test('PostgreSQL store: same decisions as the memory store for every algorithm; blocks; cleanup', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const store: PostgresStore = postgresStore({ url: server.url });
  try {
    await store.open();
    await store.open(); // idempotent
    await sameAsMemory(store, 'pg');
    await store.consume('old', { id: 'g', algorithm: 'fixed-window', limit: 5, windowMs: 1000 }, T0);
    assert.equal(await store.cleanup(T0 + 10_000), 1);
  } finally {
    await store.close();
  }
});

test('atomic across processes: two Node processes hammering one Redis never admit more than the limit', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  for (const algorithm of ['sliding-window', 'gcra'] as const) {
    const counts = await hammer('redis', server.url, `atomic-${algorithm}`, algorithm, 100, 600);
    const total = counts[0]! + counts[1]!;
    assert.ok(total <= 100, `${algorithm}: ${counts.join(' + ')} admitted`);
    assert.ok(total >= 99, `${algorithm}: ${counts.join(' + ')} admitted (the limit should be reached)`);
  }
});

test('atomic across processes: two Node processes hammering one PostgreSQL never admit more than the limit', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  for (const algorithm of ['sliding-window', 'token-bucket'] as const) {
    const counts = await hammer('postgres', server.url, `atomic-${algorithm}`, algorithm, 100, 400);
    const total = counts[0]! + counts[1]!;
    assert.ok(total <= 100, `${algorithm}: ${counts.join(' + ')} admitted`);
    assert.ok(total >= 99, `${algorithm}: ${counts.join(' + ')} admitted (the limit should be reached)`);
  }
});

test('PostgreSQL consumeAll under concurrency: a rule and the global limit count exactly the admitted requests, never a refused one', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const store = postgresStore({ database: server.url, poolSize: 8 });
  const rule: Policy = { id: 'ca-rule', algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };
  const global: Policy = { id: 'ca-global', algorithm: 'fixed-window', limit: 1000, windowMs: 60_000 };
  const policies = [rule, global];
  try {
    // 40 requests at once on 8 connections: the rule admits 5, and the global counter must
    // have counted those 5 only (per-policy upserts would have counted all 40 there).
    const results = await Promise.all(Array.from({ length: 40 }, () => store.consumeAll!('client', policies, T0, [])));
    assert.equal(results.filter((r) => r === -1).length, 5);
    assert.ok(
      results.every((r) => r === -1 || r === 0),
      'every refusal names the rule',
    );
    assert.equal((await store.get('client', global, T0))?.remaining, 995);
    assert.equal((await store.get('client', rule, T0))?.remaining, 0);
    // Concurrent single-policy consumes of the same global counter interleave safely with it.
    await Promise.all([
      ...Array.from({ length: 10 }, () => store.consume('client', global, T0)),
      ...Array.from({ length: 10 }, () => store.consumeAll!('client', policies, T0, [])),
    ]);
    assert.equal((await store.get('client', global, T0))?.remaining, 985);
  } finally {
    await store.close();
  }
});

test('redisStore / postgresStore options are validated', () => {
  assert.throws(() => redisStore({} as never), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => redisStore({ url: 'http://x' }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => redisStore({ url: 'redis://x', prefx: 'a' } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  assert.throws(() => postgresStore({} as never), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => postgresStore({ url: 'postgres://x', tablePrefix: 'x; drop' }), { code: 'ERR_RAMPART_CONFIG' });
});
