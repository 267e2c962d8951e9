import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore, type SessionStore } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

async function app(req: AppRequest): Promise<AppResponse> {
  const session = getSession(req.native)!;
  if (req.path === '/login') await session.set('user', 'u1');
  if (req.path === '/rotate') await session.regenerate({ keepData: true });
  if (req.path === '/relogin') await session.regenerate();
  return { status: 200, body: JSON.stringify({ user: session.get('user') ?? null }) };
}

const sidOf = (r: Response): string | undefined =>
  r.headers
    .getSetCookie()
    .find((l) => l.startsWith('sid=') && !/Max-Age=0/i.test(l))
    ?.split(';')[0];
const maxAgeOf = (r: Response): number => Number(/Max-Age=(\d+)/.exec(r.headers.getSetCookie().find((l) => l.startsWith('sid=')) ?? '')?.[1]);
const idOf = (cookie: string): string => cookie.slice('sid='.length).split('.')[0]!;

test('regenerate({ keepData: true }) keeps the absolute expiry: a new id never extends maxAge (every adapter)', async (t) => {
  let store!: SessionStore;
  await forEachAdapter(
    t,
    () => {
      store = memorySessionStore();
      return stack([sessions({ secret: SECRET, store, maxAge: 3600 })]);
    },
    async (running) => {
      const login = await fetch(`${running.url}/login`);
      const cookie = sidOf(login)!;
      await login.body?.cancel();
      // The session is near its absolute end: 100 s of its hour left.
      const record = JSON.parse((await store.get(idOf(cookie)))!);
      const expires = Date.now() + 100_000;
      await store.set(idOf(cookie), JSON.stringify({ ...record, expires }), 600);

      const rotated = await fetch(`${running.url}/rotate`, { headers: { cookie } });
      const next = sidOf(rotated)!;
      await rotated.body?.cancel();
      assert.notEqual(next, cookie, 'a new id');
      const moved = JSON.parse((await store.get(idOf(next)))!);
      assert.equal(moved.expires, expires, 'the absolute expiry carried over to the new id');
      assert.equal(moved.created, record.created, 'the session keeps its creation time');
      assert.ok(maxAgeOf(rotated) <= 100, `cookie Max-Age follows the carried expiry (got ${maxAgeOf(rotated)})`);

      // A login (no keepData) starts a new session, with a full lifetime.
      const relogin = await fetch(`${running.url}/relogin`, { headers: { cookie: next } });
      const fresh = sidOf(relogin)!;
      await relogin.body?.cancel();
      assert.ok(JSON.parse((await store.get(idOf(fresh)))!).expires > Date.now() + 3000_000, 'a fresh session gets the whole maxAge');
    },
    app,
  );
});
