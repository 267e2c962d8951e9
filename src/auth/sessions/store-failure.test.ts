import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore, type SessionStore } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';
import { isRampartError } from '../../errors.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

async function app(req: AppRequest): Promise<AppResponse> {
  const session = getSession(req.native)!;
  if (req.path === '/login') await session.set('user', 'u1');
  return { status: 200, body: JSON.stringify({ user: session.get('user') ?? null }) };
}

/** A custom store over a real memory store whose reads can be made to fail (throw) or hang (never answer). */
function flakyStore(): SessionStore & { mode: 'up' | 'throw' | 'hang' } {
  const inner = memorySessionStore();
  const store = {
    mode: 'up' as 'up' | 'throw' | 'hang',
    get(id: string) {
      if (store.mode === 'throw') return Promise.reject(new Error('connection reset by peer'));
      if (store.mode === 'hang') return new Promise<string | undefined>(() => {});
      return inner.get(id);
    },
    set: inner.set,
    update: inner.update,
    delete: inner.delete,
  };
  return store;
}

for (const mode of ['throw', 'hang'] as const) {
  test(`a custom session store that ${mode === 'throw' ? 'throws' : 'never answers'} gets 503 + Retry-After, not 500 (every adapter)`, async (t) => {
    let store!: ReturnType<typeof flakyStore>;
    await forEachAdapter(
      t,
      () => {
        store = flakyStore();
        return stack([sessions({ secret: SECRET, store, storeTimeout: 0.2 })]);
      },
      async (running) => {
        const login = await fetch(`${running.url}/login`);
        const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
        await login.body?.cancel();
        store.mode = mode;
        const r = await fetch(`${running.url}/`, { headers: { cookie } });
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '5');
        assert.equal(r.headers.get('content-type'), 'application/problem+json');
        await r.body?.cancel();
        store.mode = 'up';
        const back = await fetch(`${running.url}/`, { headers: { cookie } });
        assert.deepEqual(await back.json(), { user: 'u1' }, 'the session is there again once the store answers');
      },
      app,
    );
  });
}

test('storeTimeout is validated, and a custom store without update() is refused with the fix', () => {
  for (const storeTimeout of [0, -1, 61, Number.NaN, '2']) {
    assert.throws(
      () => sessions({ secret: SECRET, storeTimeout } as never),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
      String(storeTimeout),
    );
  }
  const { update: _update, ...withoutUpdate } = memorySessionStore();
  assert.throws(
    () => sessions({ secret: SECRET, store: withoutUpdate as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG') && /update\(id, record, ttl\)/.test((e as Error).message),
  );
});
