/**
 * A first-visit form with the app's own session cookie (black-box pass 7A): with the
 * README's `sessionId: (req) => req.cookie('sid')`, a handler that sets `sid` and renders
 * `csrfToken(req)` handed out a token bound to no session (`req.cookie` reads the REQUEST's
 * cookies), and submitting it with the new cookie got 403 "bad signature". The handler names
 * the session it created: `csrfToken(req, { sessionId })` / `rotateCsrf(res, { sessionId })`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrf, csrfToken, rotateCsrf } from './index.ts';
import { unmaskToken } from './token.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, type RunningApp } from '../../test/helpers/adapters.ts';
import { isRampartError } from '../errors.ts';

process.env.RAMPART_SILENT = '1';

const SECRET = 'b3duLXNlc3Npb24tY29va2llLWZpcnN0LXZpc2l0LWZvcm0tb2s';
/** The README's option: the session is the app's own `sid` cookie. */
const sessionId = (req: { cookie(name: string): string | undefined }) => req.cookie('sid');
const shield = () => stack([csrf({ secret: SECRET, sessionId })], { events: { emit() {} } });

/** name=value of every Set-Cookie line, joined as a browser would send them back. */
function cookiesOf(r: Response): string {
  return r.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .join('; ');
}

async function submit(app: RunningApp, cookie: string, token: string): Promise<number> {
  const r = await fetch(`${app.url}/submit`, { method: 'POST', headers: { cookie, 'x-csrf-token': token, 'sec-fetch-site': 'same-origin' } });
  await r.arrayBuffer();
  return r.status;
}

test("every adapter: a first visit that creates the app's own session cookie and renders csrfToken(req, { sessionId }) can be submitted", async (t) => {
  await forEachAdapter(
    t,
    shield,
    async (app) => {
      const page = await fetch(`${app.url}/form`);
      const token = await page.text();
      const cookie = cookiesOf(page);
      assert.match(cookie, /(^|; )sid=S1(;|$)/);
      assert.equal(page.headers.getSetCookie().filter((l) => l.startsWith('csrf_token=')).length, 1, 'one token cookie');
      assert.equal(await submit(app, cookie, token), 200);
      // The token belongs to S1: another session's cookie does not make it pass.
      assert.equal(await submit(app, cookie.replace('sid=S1', 'sid=S2'), token), 403);
    },
    (req) => {
      if (req.path !== '/form') return { body: 'ok' };
      // Either order: the session is named where the token is read.
      const token = csrfToken(req.native, { sessionId: 'S1' }) ?? 'no token';
      return { headers: { 'set-cookie': 'sid=S1; Path=/; HttpOnly' }, body: token };
    },
  );
});

test('every adapter: the session named once is kept for the rest of the response (a second csrfToken(req) gives the same token)', async (t) => {
  await forEachAdapter(
    t,
    shield,
    async (app) => {
      const page = await fetch(`${app.url}/form`);
      const [a, b] = (await page.text()).split(' ');
      assert.equal(unmaskToken(a!), unmaskToken(b!));
      assert.equal(await submit(app, cookiesOf(page), b!), 200);
    },
    (req) => {
      if (req.path !== '/form') return { body: 'ok' };
      const first = csrfToken(req.native, { sessionId: 'S1' });
      return { headers: { 'set-cookie': 'sid=S1; Path=/' }, body: `${first} ${csrfToken(req.native)}` };
    },
  );
});

test("every adapter: a login that replaces the app's own session rotates the token for the new one (rotateCsrf(res, { sessionId }))", async (t) => {
  await forEachAdapter(
    t,
    shield,
    async (app) => {
      const before = await fetch(`${app.url}/form`, { headers: { cookie: 'sid=ANON' } });
      const oldToken = await before.text();
      const login = await fetch(`${app.url}/login`, {
        method: 'POST',
        headers: { cookie: `sid=ANON; ${cookiesOf(before)}`, 'x-csrf-token': oldToken, 'sec-fetch-site': 'same-origin' },
      });
      const newToken = await login.text();
      assert.equal(login.status, 200, newToken);
      const cookie = cookiesOf(login);
      assert.match(cookie, /sid=USER1/);
      assert.equal(await submit(app, cookie, newToken), 200);
      assert.equal(await submit(app, cookie, oldToken), 403, 'the pre-login token is refused after login');
    },
    (req) => {
      if (req.path === '/form') return { body: csrfToken(req.native) ?? 'no token' };
      if (req.path === '/login') return { headers: { 'set-cookie': 'sid=USER1; Path=/' }, body: rotateCsrf(req.native, { sessionId: 'USER1' }) };
      return { body: 'ok' };
    },
  );
});

test('naming a session without csrf({ sessionId }), or with a value that is not a non-empty string, throws with the fix', async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: SECRET })], { events: { emit() {} } }),
    async (app) => {
      const r = await fetch(`${app.url}/form`);
      assert.equal(await r.text(), 'ERR_RAMPART_CONFIG ERR_RAMPART_CONFIG');
    },
    (req) => {
      const codes: string[] = [];
      for (const call of [() => csrfToken(req.native, { sessionId: 'S1' }), () => rotateCsrf(req.native, { sessionId: 'S1' })]) {
        try {
          call();
          codes.push('accepted');
        } catch (error) {
          codes.push(isRampartError(error, 'ERR_RAMPART_CONFIG') ? 'ERR_RAMPART_CONFIG' : String(error));
        }
      }
      return { body: codes.join(' ') };
    },
  );
  await forEachAdapter(
    t,
    shield,
    async (app) => {
      assert.equal(await (await fetch(`${app.url}/form`)).text(), 'ERR_RAMPART_CONFIG');
    },
    (req) => {
      try {
        csrfToken(req.native, { sessionId: '' });
        return { body: 'accepted' };
      } catch (error) {
        return { body: isRampartError(error, 'ERR_RAMPART_CONFIG') ? 'ERR_RAMPART_CONFIG' : String(error) };
      }
    },
  );
});
