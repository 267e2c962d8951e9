import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, startRedis } from '../../test/helpers/services.ts';
import { forEachAdapter, serve } from '../../test/helpers/adapters.ts';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { configWarnings } from '../core/events.ts';
import { postgresStore, rateLimit, redisStore } from './index.ts';

process.env.RAMPART_SILENT = '1';

// A killed Redis refuses connections at once, so no outage here waits for this; a short timeout
// only failed healthy commands when a loaded machine held Redis or this process for a moment.
const STORE_TIMEOUT = 2;

async function status(url: string, init?: RequestInit): Promise<number> {
  const r = await fetch(url, init);
  await r.arrayBuffer();
  return r.status;
}

test('Redis stopped mid-test: a fail-closed login rule beside a fail-open global limit, on every adapter', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack(
        [
          rateLimit({
            maxRequests: 100,
            window: 60,
            insurance: false,
            failOpen: true,
            store: redisStore({ url: server.url, timeout: STORE_TIMEOUT }),
            rules: [{ match: '/login', maxRequests: 5, window: 60, name: 'login', onStoreError: 'closed' }],
          }),
        ],
        { events: { emit: (r) => events.push(r) } },
      );
    },
    async (app) => {
      await server.restart();
      assert.equal(await status(app.url + '/'), 200);
      assert.equal(await status(app.url + '/login', { method: 'POST', body: 'x' }), 200, 'the store answers: counted');
      await server.kill();
      for (let i = 0; i < 3; i++) {
        assert.equal(await status(app.url + '/'), 200, 'global limit fails open');
        const r = await fetch(app.url + '/login', { method: 'POST', body: 'x' });
        await r.arrayBuffer();
        assert.equal(r.status, 503, 'the login rule fails closed');
        assert.equal(r.headers.get('retry-after'), '1');
      }
      const down = events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN').map((e) => e.detail ?? '');
      assert.equal(down.length, 2, `one event per policy that applied, got ${JSON.stringify(down)}`);
      assert.ok(
        down.some((d) => /rule "login"/.test(d) && /onStoreError: 'closed'/.test(d) && /503/.test(d)),
        JSON.stringify(down),
      );
      assert.ok(
        down.some((d) => !/rule "login"/.test(d) && /failing open/.test(d)),
        JSON.stringify(down),
      );
    },
  );
});

test('a rule with onStoreError overrides the insurance store; a rule without it keeps the insurance', async (t) => {
  const server = await startRedis(t);
  if (server === undefined) return;
  const events: SecurityEventRecord[] = [];
  const shield = stack(
    [
      rateLimit({
        maxRequests: 2,
        window: 60,
        store: redisStore({ url: server.url, timeout: STORE_TIMEOUT }),
        rules: [
          { match: '/login', maxRequests: 5, window: 60, name: 'login', onStoreError: 'closed' },
          { match: '/health', maxRequests: 1, window: 60, name: 'health', onStoreError: 'open' },
          { match: '/api', maxRequests: 50, window: 60, name: 'api' },
        ],
      }),
    ],
    { events: { emit: (r) => events.push(r) } },
  );
  const app = await serve('node', shield);
  try {
    await server.kill();
    assert.equal(await status(app.url + '/login'), 503);
    // Open: no limit at all while the store is down (the global 2/60 s is not applied either).
    for (let i = 0; i < 4; i++) assert.equal(await status(app.url + '/health'), 200);
    // No policy of its own: the limiter's insurance (memory) still counts the global 2/60 s.
    assert.deepEqual([await status(app.url + '/api'), await status(app.url + '/api'), await status(app.url + '/api')], [200, 200, 429]);
    const down = events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN').map((e) => e.detail ?? '');
    assert.equal(down.length, 3, JSON.stringify(down));
    assert.ok(down.some((d) => /rule "health"/.test(d) && /failing open/.test(d)));
    assert.ok(down.some((d) => /insurance/.test(d)));
  } finally {
    await app.close();
    await shield.close();
  }
});

test('PostgreSQL stopped mid-test: the fail-closed rule answers 503, the global limit fails open', async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const events: SecurityEventRecord[] = [];
  const store = postgresStore({ url: server.url });
  await store.open();
  const shield = stack(
    [
      rateLimit({
        maxRequests: 100,
        window: 60,
        insurance: false,
        failOpen: true,
        store,
        rules: [{ match: { method: 'POST', path: '/login' }, maxRequests: 5, window: 60, name: 'login', onStoreError: 'closed' }],
      }),
    ],
    { events: { emit: (r) => events.push(r) } },
  );
  const app = await serve('express', shield);
  try {
    assert.equal(await status(app.url + '/login', { method: 'POST', body: 'x' }), 200);
    await server.kill();
    assert.equal(await status(app.url + '/'), 200);
    assert.equal(await status(app.url + '/login', { method: 'POST', body: 'x' }), 503);
    const down = events.filter((e) => e.event === 'RATE_LIMIT_STORE_DOWN').map((e) => e.detail ?? '');
    assert.ok(
      down.some((d) => /rule "login"/.test(d) && /503/.test(d)),
      JSON.stringify(down),
    );
  } finally {
    await app.close();
    await shield.close();
  }
});

test('rules[].onStoreError is validated, and a fail-open rule is announced as a relaxation', () => {
  assert.throws(
    () => rateLimit({ rules: [{ match: '/x', maxRequests: 1, window: 1, onStoreError: 'sometimes' as 'open' }] }),
    (e: unknown) => e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG' && /'open' or 'closed'/.test(e.message),
  );
  const store = redisStore({ url: 'redis://127.0.0.1:1' });
  rateLimit({ store, rules: [{ match: '/feed', maxRequests: 1, window: 1, name: 'feedopen', onStoreError: 'open' }] });
  assert.ok(
    configWarnings().some((w) => /feedopen/.test(w) && /onStoreError: 'open'/.test(w)),
    JSON.stringify(configWarnings()),
  );
  return store.close();
});
