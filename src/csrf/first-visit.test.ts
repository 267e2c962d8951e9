import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrf, csrfToken, rotateCsrf } from './index.ts';
import { unmaskToken } from './token.ts';
import { sessions, getSession, sessionIdOf } from '../auth/sessions/index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

const SECRET = 'Zmlyc3QtdmlzaXQtb25lLWNvb2tpZS1vbmx5LXBsZWFzZS04cQ';

/** The csrf_token values of a response's Set-Cookie lines, in order. */
function tokenCookies(r: Response): string[] {
  return r.headers
    .getSetCookie()
    .filter((line) => line.startsWith('csrf_token='))
    .map((line) => line.slice('csrf_token='.length).split(';')[0]!);
}

test('first visit that creates the session and renders csrfToken(req): exactly one csrf_token Set-Cookie, carrying the token the page got (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: 'session-signing-secret-of-32-bytes!!' }), csrf({ secret: SECRET, sessionId: sessionIdOf })]),
    async (app) => {
      const r = await fetch(`${app.url}/form`);
      const page = await r.text();
      const lines = tokenCookies(r);
      assert.equal(lines.length, 1, `one csrf_token cookie, got ${lines.length}`);
      assert.equal(unmaskToken(lines[0]!), unmaskToken(page), 'the cookie carries the token the page rendered');
      const sid = r.headers
        .getSetCookie()
        .find((l) => l.startsWith('sid='))!
        .split(';')[0]!;
      const post = await fetch(`${app.url}/submit`, {
        method: 'POST',
        headers: { cookie: `${sid}; csrf_token=${lines[0]}`, 'x-csrf-token': page, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(post.status, 200, await post.text());
    },
    async (req) => {
      if (req.path === '/form') {
        await getSession(req.native)!.set('cart', []);
        return { body: csrfToken(req.native) ?? 'no token' };
      }
      return { body: 'ok' };
    },
  );
});

test('first visit whose page never reads the token: one csrf_token cookie, set at the head, that a POST then uses (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: 'session-signing-secret-of-32-bytes!!' }), csrf({ secret: SECRET, sessionId: sessionIdOf })]),
    async (app) => {
      const r = await fetch(`${app.url}/plain`);
      await r.body?.cancel();
      const lines = tokenCookies(r);
      assert.equal(lines.length, 1);
      const post = await fetch(`${app.url}/submit`, {
        method: 'POST',
        headers: { cookie: `csrf_token=${lines[0]}`, 'x-csrf-token': lines[0]!, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(post.status, 200, await post.text());
    },
    () => ({ body: 'no token here' }),
  );
});

test('first visit whose page never reads the token but sets its own cookies: the csrf_token cookie comes beside them, and a POST uses it (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: 'session-signing-secret-of-32-bytes!!' }), csrf({ secret: SECRET, sessionId: sessionIdOf })]),
    async (app) => {
      const r = await fetch(`${app.url}/plain`);
      await r.body?.cancel();
      const all = r.headers.getSetCookie();
      assert.ok(
        all.some((l) => l.startsWith('theme=dark')),
        `the app's cookie is kept: ${all.join(' | ')}`,
      );
      const lines = tokenCookies(r);
      assert.equal(lines.length, 1, `one csrf_token cookie beside the app's: ${all.join(' | ')}`);
      const post = await fetch(`${app.url}/submit`, {
        method: 'POST',
        headers: { cookie: `theme=dark; csrf_token=${lines[0]}`, 'x-csrf-token': lines[0]!, 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(post.status, 200, await post.text());
    },
    () => ({ body: 'no token here', headers: { 'set-cookie': 'theme=dark; Path=/; SameSite=Lax' } }),
  );
});

test('first visit that renders the token twice after creating the session: one csrf_token cookie, one token (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: 'session-signing-secret-of-32-bytes!!' }), csrf({ secret: SECRET, sessionId: sessionIdOf })]),
    async (app) => {
      const r = await fetch(`${app.url}/twice`);
      const [a, b, c] = (await r.text()).split(' ');
      const lines = tokenCookies(r);
      assert.equal(lines.length, 1, `one csrf_token cookie, got ${lines.length}`);
      assert.equal(unmaskToken(a!), unmaskToken(lines[0]!));
      assert.equal(unmaskToken(b!), unmaskToken(lines[0]!));
      assert.equal(unmaskToken(c!), unmaskToken(lines[0]!), 'req.locals.csrfToken is the same token');
    },
    async (req) => {
      await getSession(req.native)!.set('cart', []);
      return { body: `${csrfToken(req.native)} ${csrfToken(req.native)} ${String(req.view!.locals.csrfToken)}` };
    },
  );
});

test('rotateCsrf() on a first visit decides the token: one csrf_token cookie, the rotated token (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([sessions({ secret: 'session-signing-secret-of-32-bytes!!' }), csrf({ secret: SECRET, sessionId: sessionIdOf })]),
    async (app) => {
      const r = await fetch(`${app.url}/login`);
      const rotated = await r.text();
      const lines = tokenCookies(r);
      assert.equal(lines.length, 1, `one csrf_token cookie, got ${lines.length}`);
      assert.equal(unmaskToken(lines[0]!), unmaskToken(rotated));
    },
    async (req) => {
      await getSession(req.native)!.set('user', 'u1');
      return { body: rotateCsrf(req.native) };
    },
  );
});
