import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, memorySessionStore } from './index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter, type AppRequest, type AppResponse } from '../../../test/helpers/adapters.ts';
import { isRampartError } from '../../errors.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

/** Lets two requests load the session before either rotates it. */
class Barrier {
  private arrived = 0;
  private release!: () => void;
  private readonly all: Promise<void>;
  private readonly count: number;
  constructor(count: number) {
    this.count = count;
    this.all = new Promise((resolve) => {
      this.release = resolve;
    });
  }
  async wait(): Promise<void> {
    if (++this.arrived === this.count) this.release();
    await this.all;
  }
}

function app(barrier: () => Barrier) {
  return async (req: AppRequest): Promise<AppResponse> => {
    const session = getSession(req.native)!;
    try {
      if (req.path === '/login') {
        await session.regenerate();
        await session.set('user', { id: 'u1' });
      }
      if (req.path === '/rotate') await session.regenerate({ keepData: true });
      if (req.path === '/cart') await session.set('cart', [1]);
      if (req.path === '/rotate-together') {
        await barrier().wait();
        await session.regenerate({ keepData: true });
      }
    } catch (error) {
      if (isRampartError(error)) return { status: 409, body: error.code };
      throw error;
    }
    return { status: 200, body: JSON.stringify({ user: session.get('user') ?? null }) };
  };
}

const sessionCookies = (r: Response) => r.headers.getSetCookie().filter((l) => l.startsWith('sid='));
const cookieOf = (r: Response) => {
  const line = sessionCookies(r).find((l) => !/Max-Age=0/i.test(l));
  assert.ok(line, 'a session cookie');
  return line.split(';')[0]!;
};

test('a request still carrying a rotated id does not clear the new cookie: it has no session and sends no Set-Cookie (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: SECRET, store: memorySessionStore() })]),
    async (running) => {
      const login = await fetch(`${running.url}/login`);
      const old = cookieOf(login);
      await login.body?.cancel();
      const rotate = await fetch(`${running.url}/rotate`, { headers: { cookie: old } });
      const fresh = cookieOf(rotate);
      await rotate.body?.cancel();
      // sent with the old cookie before the rotation's response reached the browser
      const stale = await fetch(`${running.url}/me`, { headers: { cookie: old } });
      assert.equal(stale.status, 200);
      assert.deepEqual(sessionCookies(stale), [], 'no Set-Cookie: a clear would delete the new cookie');
      assert.deepEqual(await stale.json(), { user: null }, 'the old id carries no session');
      // a write sent with the old cookie: refused, rather than a new anonymous session whose cookie would replace the new one
      const write = await fetch(`${running.url}/cart`, { headers: { cookie: old } });
      assert.equal(write.status, 409);
      assert.equal(await write.text(), 'ERR_RAMPART_SESSION_ENDED');
      assert.deepEqual(sessionCookies(write), [], 'no anonymous session cookie replacing the new one');
      const me = await fetch(`${running.url}/me`, { headers: { cookie: fresh } });
      assert.deepEqual(await me.json(), { user: { id: 'u1' } });
    },
    app(() => new Barrier(1)),
  );
});

test('two tabs rotating at once: one wins, the other gets 409 without touching the cookie; the user stays logged in (every adapter)', async (t) => {
  let barrier = new Barrier(2);
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: SECRET, store: memorySessionStore() })]),
    async (running) => {
      barrier = new Barrier(2);
      const login = await fetch(`${running.url}/login`);
      const old = cookieOf(login);
      await login.body?.cancel();
      const [a, b] = await Promise.all([
        fetch(`${running.url}/rotate-together`, { headers: { cookie: old } }),
        fetch(`${running.url}/rotate-together`, { headers: { cookie: old } }),
      ]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      assert.equal(winner.status, 200);
      assert.equal(loser.status, 409);
      assert.equal(await loser.text(), 'ERR_RAMPART_SESSION_ENDED');
      assert.deepEqual(sessionCookies(loser), [], 'the loser leaves the winner\u2019s cookie alone');
      const fresh = cookieOf(winner);
      await winner.body?.cancel();
      const me = await fetch(`${running.url}/me`, { headers: { cookie: fresh } });
      assert.deepEqual(await me.json(), { user: { id: 'u1' } });
    },
    app(() => barrier),
  );
});
