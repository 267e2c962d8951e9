import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore, redisSessionStore, postgresSessionStore, type SessionStore } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';
import { startRedis, startPostgres } from '../../../test/helpers/services.ts';
import { isRampartError } from '../../errors.ts';
import { Gate } from '../../../test/helpers/gate.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

function tabsApp(gate: Gate) {
  return async (req: AppRequest): Promise<AppResponse> => {
    const session = getSession(req.native)!;
    try {
      switch (req.path) {
        case '/login':
          await session.regenerate();
          await session.set('user', { id: 'u1', roles: ['admin'] });
          break;
        case '/demote':
          await session.set('user', { id: 'u1', roles: [] });
          break;
        case '/soft-logout':
          await session.delete('user');
          break;
        case '/theme-dark':
          await session.set('theme', 'dark');
          break;
        case '/slow-cart':
          await gate.wait();
          await session.set('cart', [1]);
          break;
        case '/slow-theme-light':
          await gate.wait();
          await session.set('theme', 'light');
          break;
        case '/slow-rotate':
          await gate.wait();
          await session.regenerate({ keepData: true });
          break;
      }
    } catch (error) {
      if (isRampartError(error)) return { status: 409, body: error.code };
      throw error;
    }
    const body = JSON.stringify({ user: session.get('user') ?? null, cart: session.get('cart') ?? null, theme: session.get('theme') ?? null });
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  };
}

function cookieOf(r: Response): string {
  const line = r.headers.getSetCookie().find((l) => l.startsWith('sid=') && !/Max-Age=0/i.test(l));
  assert.ok(line, 'a session cookie');
  return line.split(';')[0]!;
}

async function stored(url: string, cookie: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}/who`, { headers: { cookie } });
  return (await r.json()) as Record<string, unknown>;
}

function tabsFlow(storeFactory: () => SessionStore) {
  return async (t: TestContext) => {
    const gate = new Gate();
    await forEachAdapter(
      t,
      () => stack([sessions({ secret: SECRET, store: storeFactory() })]),
      async (running) => {
        const login = async () => {
          const r = await fetch(`${running.url}/login`);
          const cookie = cookieOf(r);
          await r.body?.cancel();
          return cookie;
        };
        /** Tab B loads the session and waits; tab A runs `change`; then B writes. */
        const interleave = async (cookie: string, slow: string, change: string) => {
          gate.reset();
          const inFlight = fetch(`${running.url}${slow}`, { headers: { cookie } });
          await gate.loaded;
          const a = await fetch(`${running.url}${change}`, { headers: { cookie } });
          assert.equal(a.status, 200);
          await a.body?.cancel();
          gate.open();
          return inFlight;
        };

        // A privilege drop in one tab is not undone by another tab's write to another key.
        let cookie = await login();
        let late = await interleave(cookie, '/slow-cart', '/demote');
        assert.equal(late.status, 200);
        assert.deepEqual(await late.json(), { user: { id: 'u1', roles: [] }, cart: [1], theme: null }, 'the late request sees the latest data');
        assert.deepEqual(await stored(running.url, cookie), { user: { id: 'u1', roles: [] }, cart: [1], theme: null });

        // A key deleted in one tab (a soft logout) does not come back.
        cookie = await login();
        late = await interleave(cookie, '/slow-cart', '/soft-logout');
        assert.equal(late.status, 200);
        await late.body?.cancel();
        assert.deepEqual(await stored(running.url, cookie), { user: null, cart: [1], theme: null });

        // The same key written by both: the last writer wins, for that key only.
        cookie = await login();
        late = await interleave(cookie, '/slow-theme-light', '/theme-dark');
        await late.body?.cancel();
        assert.deepEqual(await stored(running.url, cookie), { user: { id: 'u1', roles: ['admin'] }, cart: null, theme: 'light' });

        // A rotation keeps the latest data, not the copy its request loaded.
        cookie = await login();
        late = await interleave(cookie, '/slow-rotate', '/demote');
        assert.equal(late.status, 200);
        const rotated = cookieOf(late);
        await late.body?.cancel();
        assert.deepEqual((await stored(running.url, rotated)).user, { id: 'u1', roles: [] });
      },
      tabsApp(gate),
    );
  };
}

test(
  "a request writes only what it changed: another tab's change or deletion survives (memory store, every adapter)",
  tabsFlow(() => memorySessionStore()),
);

test("a request writes only what it changed: another tab's change or deletion survives (Redis store, every adapter)", async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const clients: InstanceType<typeof Redis>[] = [];
  try {
    await tabsFlow(() => {
      const c = new Redis(redis.url);
      clients.push(c);
      return redisSessionStore(c);
    })(t);
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test("a request writes only what it changed: another tab's change or deletion survives (PostgreSQL store, every adapter)", async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const stores: Array<ReturnType<typeof postgresSessionStore>> = [];
  try {
    await tabsFlow(() => {
      const s = postgresSessionStore({ database: pg.url, table: `tabs_${stores.length}` });
      stores.push(s);
      return s;
    })(t);
  } finally {
    for (const s of stores) await s.close?.();
  }
});

test(
  'a custom store with update() only still works; its writes merge into the latest record it reads',
  tabsFlow(() => {
    const { get, set, update, delete: remove } = memorySessionStore();
    return { get, set, update, delete: remove };
  }),
);

test('Redis patch(): a write landing between its read and its write is not lost (compare-and-set retries), and a tombstone is never replaced', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url);
  try {
    const store = redisSessionStore(client, { prefix: `cas-${Date.now()}:` });
    await store.set('s', '{"n":1}', 60);
    const seen: string[] = [];
    const written = await store.patch!(
      's',
      (current) => {
        seen.push(current);
        // Another request's write, sent before this patch's compare-and-set (ioredis keeps the order).
        if (seen.length === 1) void store.set('s', '{"n":2}', 60);
        return JSON.stringify({ ...JSON.parse(current), patched: true });
      },
      60,
    );
    assert.deepEqual(seen, ['{"n":1}', '{"n":2}'], 'the change was applied again to the newer record');
    assert.equal(written, '{"n":2,"patched":true}');
    assert.equal(await store.get('s'), '{"n":2,"patched":true}');
    await store.set('s', '{"destroyed":true}', 60);
    assert.equal(await store.patch!('s', () => '{"n":3}', 60), undefined);
    assert.equal(await store.get('s'), '{"destroyed":true}');
    assert.equal(await store.patch!('never', () => '{"n":3}', 60), undefined);
    assert.equal(await store.get('never'), undefined);
  } finally {
    client.disconnect();
  }
});
