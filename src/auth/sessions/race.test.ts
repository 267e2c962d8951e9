import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore, redisSessionStore, postgresSessionStore, type SessionStore } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';
import { startRedis, startPostgres } from '../../../test/helpers/services.ts';
import { isRampartError } from '../../errors.ts';
import { Gate } from '../../../test/helpers/gate.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

function raceApp(gate: Gate) {
  return async (req: AppRequest): Promise<AppResponse> => {
    const session = getSession(req.native)!;
    try {
      switch (req.path) {
        case '/login':
          await session.regenerate();
          await session.set('user', { id: 'u1', roles: ['admin'] });
          break;
        case '/logout':
          await session.destroy();
          break;
        case '/rotate':
          await session.regenerate({ keepData: true });
          break;
        case '/slow-set':
          await gate.wait();
          await session.set('last', 1);
          break;
        case '/slow-rotate':
          await gate.wait();
          await session.regenerate({ keepData: true });
          break;
        case '/slow-login':
          await gate.wait();
          await session.regenerate();
          await session.set('user', { id: 'u2', roles: [] });
          break;
      }
    } catch (error) {
      if (isRampartError(error)) return { status: 409, body: error.code };
      throw error;
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: session.get('user') ?? null }) };
  };
}

function cookieOf(r: Response): string {
  const line = r.headers.getSetCookie().find((l) => l.startsWith('sid=') && !/Max-Age=0/i.test(l));
  assert.ok(line, 'a session cookie');
  return line.split(';')[0]!;
}

async function who(url: string, cookie: string): Promise<unknown> {
  const r = await fetch(`${url}/who`, { headers: { cookie } });
  return ((await r.json()) as { user: unknown }).user;
}

function raceFlow(storeFactory: () => SessionStore) {
  return async (t: TestContext) => {
    const gate = new Gate();
    await forEachAdapter(
      t,
      () => stack([sessions({ secret: SECRET, store: storeFactory() })]),
      async (running) => {
        // 1. logout while a request that loaded the session is still running
        for (const [ender, stale] of [
          ['/logout', '/slow-set'],
          ['/rotate', '/slow-set'],
          ['/logout', '/slow-rotate'],
        ] as const) {
          gate.reset();
          const login = await fetch(`${running.url}/login`);
          const cookie = cookieOf(login);
          await login.body?.cancel();
          const inFlight = fetch(`${running.url}${stale}`, { headers: { cookie } });
          await gate.loaded;
          const ended = await fetch(`${running.url}${ender}`, { headers: { cookie } });
          assert.equal(ended.status, 200);
          const rotated = ender === '/rotate' ? cookieOf(ended) : undefined;
          await ended.body?.cancel();
          gate.open();
          const late = await inFlight;
          assert.equal(late.status, 409, `${stale} after ${ender}: the stale write is refused`);
          assert.equal(await late.text(), 'ERR_RAMPART_SESSION_ENDED');
          // No Set-Cookie: after a rotation the browser holds the new cookie, which a clear sent
          // by this late response would delete (the old id is dead in the store regardless).
          assert.deepEqual(
            late.headers.getSetCookie().filter((l) => l.startsWith('sid=')),
            [],
            'the stale request leaves the cookie alone',
          );
          assert.equal(await who(running.url, cookie), null, `${stale} after ${ender}: the old cookie stays dead`);
          if (rotated !== undefined) assert.deepEqual(await who(running.url, rotated), { id: 'u1', roles: ['admin'] }, 'the new id still works');
        }
        // 2. a login that started before a logout still logs in: nothing of the ended session
        // carries over, so it gets a fresh session (the old id stays dead)
        gate.reset();
        const login = await fetch(`${running.url}/login`);
        const cookie = cookieOf(login);
        await login.body?.cancel();
        const inFlight = fetch(`${running.url}/slow-login`, { headers: { cookie } });
        await gate.loaded;
        (await fetch(`${running.url}/logout`, { headers: { cookie } })).body?.cancel();
        gate.open();
        const late = await inFlight;
        assert.equal(late.status, 200);
        const fresh = cookieOf(late);
        await late.body?.cancel();
        assert.deepEqual(await who(running.url, fresh), { id: 'u2', roles: [] });
        assert.equal(await who(running.url, cookie), null);
      },
      raceApp(gate),
    );
  };
}

test(
  'a request in flight cannot bring back a session destroyed or rotated meanwhile (memory store, every adapter)',
  raceFlow(() => memorySessionStore()),
);

test('a request in flight cannot bring back a session destroyed or rotated meanwhile (Redis store, every adapter)', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const clients: InstanceType<typeof Redis>[] = [];
  try {
    await raceFlow(() => {
      const c = new Redis(redis.url);
      clients.push(c);
      return redisSessionStore(c);
    })(t);
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('a request in flight cannot bring back a session destroyed or rotated meanwhile (PostgreSQL store, every adapter)', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const stores: Array<ReturnType<typeof postgresSessionStore>> = [];
  try {
    await raceFlow(() => {
      const s = postgresSessionStore({ database: pg.url, table: `race_${stores.length}` });
      stores.push(s);
      return { get: s.get, set: s.set, update: s.update, delete: s.delete };
    })(t);
  } finally {
    for (const s of stores) await s.close?.();
  }
});

test('a store update() refuses a missing id and a destroyed one (memory, the rule every store follows)', async () => {
  const store = memorySessionStore();
  assert.equal(await store.update('a', '{"x":1}', 60), false, 'never written: not created by update');
  assert.equal(await store.get('a'), undefined);
  await store.set('a', '{"x":1}', 60);
  assert.equal(await store.update('a', '{"x":2}', 60), true);
  assert.equal(await store.get('a'), '{"x":2}');
  await store.set('a', '{"destroyed":true}', 60);
  assert.equal(await store.update('a', '{"x":3}', 60), false);
  assert.equal(await store.get('a'), '{"destroyed":true}');
  await store.delete('a');
  assert.equal(await store.update('a', '{"x":4}', 60), false, 'deleted (erasure): stays deleted');
});
