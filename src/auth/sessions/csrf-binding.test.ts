import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessions, getSession, sessionIdOf } from './index.ts';
import { csrf, csrfToken, rotateCsrf } from '../../csrf/index.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';

test('regenerate() + rotateCsrf(): a CSRF token from before login stops working after it (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([
        sessions({ secret: 'session-signing-secret-of-32-bytes!!' }),
        csrf({ secret: 'Qm9uZC1tZS10by10aGUtc2Vzc2lvbi1pZC1wbGVhc2UtN3Fa', mode: 'token', sessionId: sessionIdOf }),
      ]),
    async (app) => {
      const cookies = new Map<string, string>();
      const take = (r: Response) => {
        for (const line of r.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          if (/Max-Age=0/i.test(line)) cookies.delete(pair!.slice(0, eq));
          else cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
      };
      const cookieHeader = (overrides: Record<string, string> = {}) =>
        [...new Map([...cookies, ...Object.entries(overrides)])].map(([k, v]) => `${k}=${v}`).join('; ');
      let r = await fetch(`${app.url}/`);
      take(r);
      await r.body?.cancel();
      const before = cookies.get('csrf_token')!;
      assert.ok(before, 'a token cookie was issued');
      r = await fetch(`${app.url}/login`, { method: 'POST', headers: { cookie: cookieHeader(), 'x-csrf-token': before } });
      assert.equal(r.status, 200);
      take(r);
      const after = await r.text();
      assert.equal(cookies.get('csrf_token'), after);
      assert.notEqual(after, before);
      r = await fetch(`${app.url}/edit`, { method: 'POST', headers: { cookie: cookieHeader({ csrf_token: before }), 'x-csrf-token': before } });
      assert.equal(r.status, 403, 'the pre-login token is bound to no session');
      await r.body?.cancel();
      r = await fetch(`${app.url}/edit`, { method: 'POST', headers: { cookie: cookieHeader(), 'x-csrf-token': after } });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    },
    async (req) => {
      if (req.path === '/login') {
        const session = getSession(req.native)!;
        await session.regenerate();
        await session.set('user', { id: 'u1' });
        return { body: rotateCsrf(req.native) };
      }
      return { body: 'ok' };
    },
  );
});

test('first visit: a handler that creates the session and renders csrfToken(req) in the same response gets a token the next POST accepts (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([
        sessions({ secret: 'session-signing-secret-of-32-bytes!!' }),
        csrf({ secret: 'Qm9uZC1tZS10by10aGUtc2Vzc2lvbi1pZC1wbGVhc2UtN3Fa', sessionId: sessionIdOf }),
      ]),
    async (app) => {
      // A browser's jar: Set-Cookie lines apply in order, a later line replaces the same name.
      const cookies = new Map<string, string>();
      const take = (r: Response) => {
        for (const line of r.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
      };
      const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      let r = await fetch(`${app.url}/form`);
      take(r);
      const token = await r.text();
      assert.ok(cookies.has('sid') && cookies.has('csrf_token'));
      const post = (value: string) =>
        fetch(`${app.url}/submit`, { method: 'POST', headers: { cookie: cookie(), 'x-csrf-token': value, 'sec-fetch-site': 'same-origin' } });
      r = await post(token);
      assert.equal(r.status, 200, await r.text());
      // The token stays bound: without the session, or with another session's token, it is refused.
      const sid = cookies.get('sid')!;
      cookies.delete('sid');
      r = await post(token);
      assert.equal(r.status, 403);
      await r.body?.cancel();
      cookies.set('sid', sid);
      // An existing session: the form again renders a token the POST accepts, and no new cookie is needed.
      r = await fetch(`${app.url}/form`, { headers: { cookie: cookie() } });
      take(r);
      r = await post(await r.text());
      assert.equal(r.status, 200);
      await r.body?.cancel();
    },
    async (req) => {
      if (req.path === '/form') {
        await getSession(req.native)!.set('cart', []);
        return { body: csrfToken(req.native) ?? 'no token' };
      }
      return { body: 'POST OK' };
    },
  );
});
