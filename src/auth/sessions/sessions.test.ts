import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore, redisSessionStore, postgresSessionStore, type SessionStore } from './index.ts';
import { jsonCopy } from './data.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';
import { startRedis, startPostgres } from '../../../test/helpers/services.ts';
import { isRampartError } from '../../errors.ts';
import type { SecurityEventRecord } from '../../core/types.ts';
import { requirePermission } from '../rbac/index.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

async function app(req: AppRequest): Promise<AppResponse> {
  const session = getSession(req.native);
  if (session === undefined) return { status: 500, body: 'no session' };
  try {
    switch (req.path) {
      case '/login':
        await session.regenerate();
        await session.set('user', { id: 'u1', permissions: ['post:edit'] });
        break;
      case '/login-keep':
        await session.regenerate({ keepData: true });
        await session.set('user', { id: 'u1' });
        break;
      case '/cart':
        await session.set('cart', JSON.parse(req.body));
        break;
      case '/logout':
        await session.destroy();
        break;
      case '/edit':
        break;
    }
  } catch (error) {
    if (isRampartError(error)) return { status: 400, body: error.code };
    throw error;
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ isNew: session.isNew, data: session.data, csrf: session.csrfToken }),
  };
}

class Jar {
  cookies = new Map<string, string>();
  lines: string[] = [];
  take(r: Response): void {
    this.lines = r.headers.getSetCookie();
    for (const line of this.lines) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

async function call(
  url: string,
  jar: Jar,
  body?: unknown,
): Promise<{ status: number; json: { isNew: boolean; data: Record<string, unknown>; csrf: string } | string }> {
  const r = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: jar.header(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  jar.take(r);
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) };
  } catch {
    return { status: r.status, json: text };
  }
}

function sessionFlow(storeFactory: () => SessionStore) {
  return async (t: import('node:test').TestContext) => {
    const events: SecurityEventRecord[] = [];
    let store!: SessionStore;
    await forEachAdapter(
      t,
      () => {
        store = storeFactory();
        return stack([sessions({ secret: SECRET, store })], { events: { emit: (r) => events.push(r) } });
      },
      async (running) => {
        events.length = 0;
        const jar = new Jar();
        // anonymous request: no session, no cookie, no store write
        let r = await call(`${running.url}/`, jar);
        assert.equal(jar.lines.length, 0);
        assert.equal((r.json as { isNew: boolean }).isNew, true);
        // cart before login, then login without keepData drops it; with keepData keeps it
        r = await call(`${running.url}/cart`, jar, { items: [1, 2] });
        assert.equal(r.status, 200);
        const [cookieLine] = jar.lines;
        assert.match(cookieLine!, /^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
        const anonId = jar.cookies.get('sid')!;
        const csrfBefore = (r.json as { csrf: string }).csrf;
        r = await call(`${running.url}/login-keep`, jar);
        assert.deepEqual((r.json as { data: unknown }).data, { cart: { items: [1, 2] }, user: { id: 'u1' } });
        assert.notEqual(jar.cookies.get('sid'), anonId, 'regenerate issues a new id');
        assert.notEqual((r.json as { csrf: string }).csrf, csrfBefore, 'CSRF token rotated');
        r = await call(`${running.url}/login`, jar);
        assert.deepEqual((r.json as { data: unknown }).data, { user: { id: 'u1', permissions: ['post:edit'] } });
        r = await call(`${running.url}/`, jar);
        assert.equal((r.json as { isNew: boolean }).isNew, false);
        // fixation: presenting the pre-login id
        const fixated = new Jar();
        fixated.cookies.set('sid', anonId);
        r = await call(`${running.url}/`, fixated);
        assert.equal((r.json as { isNew: boolean }).isNew, true);
        // forged signature: rejected without a store lookup
        const forged = new Jar();
        forged.cookies.set('sid', `${anonId.slice(0, 44)}${'A'.repeat(43)}`);
        r = await call(`${running.url}/`, forged);
        assert.equal((r.json as { isNew: boolean }).isNew, true);
        // prototype pollution attempt is refused with a clear error
        r = await call(`${running.url}/cart`, jar, JSON.parse('{"__proto__": {"polluted": true}}'));
        assert.equal(r.status, 400);
        assert.equal(r.json, 'ERR_RAMPART_SESSION_DATA');
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        // logout, then the old cookie is a destroyed id
        const loggedIn = jar.cookies.get('sid')!;
        r = await call(`${running.url}/logout`, jar);
        assert.equal(jar.cookies.has('sid'), false);
        const replay = new Jar();
        replay.cookies.set('sid', loggedIn);
        r = await call(`${running.url}/`, replay);
        assert.equal((r.json as { isNew: boolean }).isNew, true);
        // expiry (absolute): age the stored record
        const again = new Jar();
        await call(`${running.url}/login`, again);
        const id = again.cookies.get('sid')!.split('.')[0]!;
        const rec = JSON.parse((await store.get(id))!);
        await store.set(id, JSON.stringify({ ...rec, expires: Date.now() - 1000 }), 60);
        r = await call(`${running.url}/`, again);
        assert.equal((r.json as { isNew: boolean }).isNew, true);
        // idle timeout
        const idle = new Jar();
        await call(`${running.url}/login`, idle);
        const id2 = idle.cookies.get('sid')!.split('.')[0]!;
        const rec2 = JSON.parse((await store.get(id2))!);
        await store.set(id2, JSON.stringify({ ...rec2, seen: Date.now() - 1801_000 }), 60);
        r = await call(`${running.url}/`, idle);
        assert.equal((r.json as { isNew: boolean }).isNew, true);

        const names = events.map((e) => `${e.event}${e.detail ? `:${e.detail}` : ''}`);
        assert.deepEqual(names, [
          'SESSION_CREATED:new session',
          'SESSION_CREATED:new session',
          'SESSION_CREATED:new session',
          'SESSION_FIXATION_ATTEMPT:session id was destroyed',
          'INVALID_TOKEN:session: cookie signature invalid',
          'SESSION_DESTROYED:logout',
          'SESSION_FIXATION_ATTEMPT:session id was destroyed',
          'SESSION_CREATED:new session',
          'SESSION_EXPIRED:absolute timeout',
          'SESSION_CREATED:new session',
          'SESSION_EXPIRED:idle timeout',
        ]);
        for (const e of events) assert.ok(!JSON.stringify(e).includes(anonId.slice(0, 20)), 'session ids never reach events');
      },
      app,
    );
  };
}

test(
  'sessions (memory store) through every adapter: create, regenerate, fixation, forgery, pollution, logout, timeouts',
  sessionFlow(() => memorySessionStore()),
);

test('sessions on Redis through every adapter', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const clients: InstanceType<typeof Redis>[] = [];
  try {
    await sessionFlow(() => {
      const c = new Redis(redis.url);
      clients.push(c);
      return redisSessionStore(c);
    })(t);
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('sessions on PostgreSQL through every adapter', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const stores: Array<ReturnType<typeof postgresSessionStore>> = [];
  try {
    await sessionFlow(() => {
      const s = postgresSessionStore({ database: pg.url, table: `sessions_${stores.length}` });
      stores.push(s);
      return { get: s.get, set: s.set, update: s.update, delete: s.delete }; // the stack closes middleware, keep the pool for the test
    })(t);
    assert.ok((await stores[0]!.prune()) >= 0);
  } finally {
    for (const s of stores) await s.close?.();
  }
});

test('secure cookies: __Host- prefix, Secure, browser-session cookies; session user feeds requirePermission', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([
        sessions({ secret: [SECRET, 'an-older-rotated-secret-of-32-bytes!'], secure: true, browserSession: true }),
        { name: 'gate', handle: (req) => (req.path === '/edit' ? requirePermission('post:edit').handle(req, undefined as never) : undefined) },
      ]),
    async (running) => {
      const jar = new Jar();
      let r = await fetch(`${running.url}/edit`);
      assert.equal(r.status, 401);
      await r.body?.cancel();
      r = await fetch(`${running.url}/login`, { method: 'POST' });
      jar.take(r);
      await r.body?.cancel();
      assert.match(jar.lines.at(-1)!, /^__Host-sid=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/, 'no Max-Age: ends with the browser');
      r = await fetch(`${running.url}/edit`, { headers: jar.header() });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    },
    app,
  );
});

test('construction and data validation', () => {
  assert.throws(
    () => sessions({ secret: 'short' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => sessions({ secret: SECRET, sameSite: 'None', secure: false }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => sessions({ secret: SECRET, maxage: 5 } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const bad of [
    () => 1,
    new Date(),
    new Map(),
    NaN,
    Infinity,
    cyclic,
    Symbol('x'),
    10n,
    Object.defineProperty({}, 'x', { get: () => 1, enumerable: true }),
  ]) {
    assert.throws(
      () => jsonCopy(bad),
      (e) => isRampartError(e, 'ERR_RAMPART_SESSION_DATA'),
      String(typeof bad),
    );
  }
  assert.deepEqual(jsonCopy({ a: [1, 'x', null, { b: true }] }), { a: [1, 'x', null, { b: true }] });
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.throws(
    () => jsonCopy(deep),
    (e) => isRampartError(e, 'ERR_RAMPART_SESSION_DATA'),
  );
});

test('a failing session store answers 503 (never 500) and recovers when it is back', async (t) => {
  const redis = await startRedis(t);
  if (redis === undefined) return;
  const { Redis } = await import('ioredis');
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 50 });
  client.on('error', () => {});
  const ready = async () => {
    for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  await ready();
  const { serve } = await import('../../../test/helpers/adapters.ts');
  const shield = stack([sessions({ secret: SECRET, store: redisSessionStore(client) })]);
  const running = await serve('node', shield, app);
  try {
    const jar = new Jar();
    let r = await call(`${running.url}/login`, jar);
    assert.equal(r.status, 200);
    await redis.kill();
    const res = await fetch(`${running.url}/`, { headers: jar.header() });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    await res.body?.cancel();
    await redis.restart();
    await ready();
    r = await call(`${running.url}/`, jar);
    assert.equal(r.status, 200);
    assert.equal((r.json as { isNew: boolean }).isNew, true, 'the restarted Redis lost the session: a fresh one');
  } finally {
    await running.close();
    client.disconnect();
  }
});
