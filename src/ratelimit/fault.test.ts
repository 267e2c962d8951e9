import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startPostgres, startRedis } from '../../test/helpers/services.ts';
import { serve } from '../../test/helpers/adapters.ts';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { postgresStore, rateLimit, redisStore } from './index.ts';

process.env.RAMPART_SILENT = '1';

// A killed Redis refuses connections at once, so no outage here waits for this; a short timeout
// only failed healthy commands when a loaded machine held Redis or this process for a moment.
const STORE_TIMEOUT = 2;

async function waitUntil(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen within ${ms} ms`);
}

test('Redis killed mid-run: insurance takes over with no 5xx, logged once; recovery when it restarts', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const events: SecurityEventRecord[] = [];
  const shield = stack([rateLimit({ maxRequests: 1000, window: 60, store: redisStore({ url: server.url, timeout: STORE_TIMEOUT }) })], {
    events: { emit: (r) => events.push(r) },
  });
  const app = await serve('node', shield);
  const probe = new Redis(server.url, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => 100 });
  probe.on('error', () => {});
  try {
    const statuses: number[] = [];
    const hit = async (): Promise<number> => {
      const r = await fetch(app.url);
      await r.arrayBuffer();
      statuses.push(r.status);
      return r.status;
    };
    for (let i = 0; i < 5; i++) assert.equal(await hit(), 200);
    await probe.connect();
    try {
      assert.equal((await probe.keys('rampart:rl:*')).length, 1, 'the decision went to Redis');
    } finally {
      // A probe left connected reconnects forever once Redis is stopped, keeping the file alive.
      probe.disconnect();
    }

    await server.kill();
    for (let i = 0; i < 20; i++) await hit();
    assert.ok(
      statuses.every((s) => s === 200),
      `statuses while Redis is down: ${statuses.join(',')}`,
    );
    const down = events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN');
    assert.equal(down.length, 1, 'the failure is logged once');

    await server.restart();
    await waitUntil(async () => {
      await hit();
      return events.some((e) => e.event === 'RATE_LIMIT_STORE_RECOVERED');
    }, 'recovery');
    const fresh = new Redis(server.url);
    try {
      assert.equal((await fresh.keys('rampart:rl:*')).length, 1, 'decisions go to the restarted Redis again');
    } finally {
      fresh.disconnect();
    }
    assert.ok(
      statuses.every((s) => s < 500),
      'never a 5xx',
    );
  } finally {
    await app.close();
    await shield.close();
  }
});

test('insurance keeps limiting while the store is down (the limit still holds)', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const shield = stack([rateLimit({ maxRequests: 3, window: 60, store: redisStore({ url: server.url, timeout: STORE_TIMEOUT }) })]);
  const app = await serve('node', shield);
  try {
    await server.kill();
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await fetch(app.url)).status);
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
  } finally {
    await app.close();
    await shield.close();
  }
});

test('no insurance: fail closed (503 + Retry-After) by default, fail open when asked', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  await server.kill();
  for (const failOpen of [false, true]) {
    const shield = stack([
      rateLimit({ maxRequests: 3, window: 60, insurance: false, failOpen, store: redisStore({ url: server.url, timeout: STORE_TIMEOUT }) }),
    ]);
    const app = await serve('node', shield);
    try {
      const r = await fetch(app.url);
      if (failOpen) assert.equal(r.status, 200);
      else {
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '1');
        assert.equal(r.headers.get('content-type'), 'application/problem+json');
      }
    } finally {
      await app.close();
      await shield.close();
    }
  }
});

test('PostgreSQL killed mid-run: insurance takes over with no 5xx; recovery after restart', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const events: SecurityEventRecord[] = [];
  const store = postgresStore({ url: server.url });
  await store.open();
  const shield = stack([rateLimit({ maxRequests: 1000, window: 60, store })], { events: { emit: (r) => events.push(r) } });
  const app = await serve('node', shield);
  try {
    const statuses: number[] = [];
    const hit = async (): Promise<void> => {
      const r = await fetch(app.url);
      await r.arrayBuffer();
      statuses.push(r.status);
    };
    for (let i = 0; i < 3; i++) await hit();
    await server.kill();
    for (let i = 0; i < 10; i++) await hit();
    assert.equal(events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN').length, 1);
    await server.restart();
    await waitUntil(async () => {
      await hit();
      return events.some((e) => e.event === 'RATE_LIMIT_STORE_RECOVERED');
    }, 'recovery');
    assert.ok(
      statuses.every((s) => s === 200),
      statuses.join(','),
    );
  } finally {
    await app.close();
    await shield.close();
    await store.close();
  }
});

test('remote stores through all five adapters: limit, headers and 429 as with memory', async (t) => {
  const redis = await startRedis(t);
  const pg = await startPostgres(t);
  if (redis === undefined || pg === undefined) return;
  const { forEachAdapter } = await import('../../test/helpers/adapters.ts');
  const T0 = 60_000 * 16_666_667;
  for (const [name, makeStore] of [
    ['redis', () => redisStore({ url: redis.url })],
    ['postgres', () => postgresStore({ url: pg.url })],
  ] as const) {
    await t.test(name, async (t) => {
      // One Redis/PostgreSQL serves every adapter's run: each run counts under its own key.
      let round = 0;
      await forEachAdapter(
        t,
        () => {
          const key = `${name}-run-${round++}`;
          return stack([rateLimit({ maxRequests: 2, window: 60, now: () => T0 + 15_000, key: () => key, store: makeStore() })]);
        },
        async (app) => {
          const a = await fetch(app.url);
          assert.equal(a.status, 200);
          assert.equal(a.headers.get('x-ratelimit-remaining'), '1');
          assert.equal(a.headers.get('ratelimit'), '"default";r=1;t=60'); // sliding: one window after the last request
          assert.equal((await fetch(app.url)).status, 200);
          const c = await fetch(app.url);
          assert.equal(c.status, 429);
          assert.equal(c.headers.get('content-type'), 'application/problem+json');
          assert.match(c.headers.get('retry-after')!, /^\d+$/);
        },
      );
    });
  }
});

test('loginGuard and blocklist share locks through one Redis store', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { loginGuard } = await import('../abuse/index.ts');
  const a = loginGuard({ maxFailures: 2, store: redisStore({ url: redis.url }), events: { emit() {} } });
  const b = loginGuard({ maxFailures: 2, store: redisStore({ url: redis.url }), events: { emit() {} } });
  try {
    await a.fail('192.0.2.50', 'erin');
    await b.fail('192.0.2.50', 'erin');
    const seen = await a.check('192.0.2.50', 'erin');
    assert.equal(seen.allowed, false, 'failures on two servers add up');
    assert.equal(seen.lock, 'pair');
    await b.succeed('192.0.2.50', 'erin');
    assert.equal((await a.check('192.0.2.50', 'erin')).allowed, true);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a remote store down with a rule (consumeAll): insurance decides all or nothing; without it 503, or open when asked', async () => {
  const { memoryStore } = await import('./index.ts');
  const broken = memoryStore();
  // A remote store that fails every call (as Redis does while it is unreachable).
  const down = Object.assign(Object.create(broken) as object, {
    kind: 'remote' as const,
    consume: () => Promise.reject(new Error('connection refused')),
    consumeAll: () => Promise.reject(new Error('connection refused')),
    get: () => Promise.reject(new Error('connection refused')),
    close: () => undefined,
  }) as unknown as import('../stores/types.ts').RateLimitStore;
  const res = { set() {}, append() {}, get: () => undefined, onHead() {} };
  const view = (path: string) => ({ ip: '192.0.2.7', path, method: 'GET', header: () => undefined, emit: () => {} }) as never;
  const status = async (m: ReturnType<typeof rateLimit>, path: string): Promise<number> =>
    ((await m.handle(view(path), res as never)) as { status: number } | undefined)?.status ?? 200;
  const rules = [{ match: '/login', maxRequests: 2, window: 60 }];

  const insured = rateLimit({ maxRequests: 3, window: 60, now: () => 1_000_000, store: down, rules });
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push(await status(insured, '/login'));
  codes.push(await status(insured, '/x'), await status(insured, '/x'));
  // The refused /login requests took nothing from the global limit (3): /x has one left.
  assert.deepEqual(codes, [200, 200, 429, 429, 200, 429]);
  await insured.close();

  const closed = rateLimit({ maxRequests: 3, window: 60, store: down, rules, insurance: false });
  const refused = (await closed.handle(view('/login'), res as never)) as { status: number; headers: Record<string, string> };
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '1');
  await closed.close();

  const open = rateLimit({ maxRequests: 3, window: 60, store: down, rules, insurance: false, failOpen: true });
  for (let i = 0; i < 4; i++) assert.equal(await status(open, '/login'), 200);
  await open.close();
  broken.close();
});
