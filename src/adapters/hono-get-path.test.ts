/**
 * Hono's router dispatches on `getPath(request)` (`new Hono({ getPath })`, `strict: false`),
 * which may be another path than the URL's: routing by Host, a locale prefix stripped, a
 * custom normaliser. rampart judges both readings: a rule of the path the router runs
 * applies, an exemption of the path the client sent does not exempt another handler.
 * On @hono/node-server and on `app.request()`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { securityHeaders } from '../headers/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { csrf } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';

const quiet = { events: { emit: () => undefined } };
const crossSite = { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' };
const sameOrigin = { 'sec-fetch-site': 'same-origin' };

type Send = (path: string, init: RequestInit) => Promise<Response>;

const RUNTIMES: Array<{ name: string; with: (app: Hono, body: (send: Send) => Promise<void>) => Promise<void> }> = [
  {
    name: '@hono/node-server',
    with: async (app, body) => {
      const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        await body((path, init) => fetch(url + path, init));
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  },
  { name: 'app.request()', with: (app, body) => body((path, init) => Promise.resolve(app.request(path, init))) },
];

const pathname = (request: Request): string => new URL(request.url).pathname;

/** An app whose router drops a locale prefix (`/fr/login` runs the `/login` route). */
function localeApp(shield: ReturnType<typeof stack>): { app: Hono; logins: () => number } {
  let logins = 0;
  const app = new Hono({ getPath: (request) => pathname(request).replace(/^\/(?:en|fr|de)(?=\/)/, '') });
  app.use(shield.hono({ clientIp: (c) => (c.env?.incoming === undefined ? '192.0.2.50' : undefined) }));
  app.post('/login', (c) => c.text(`login ${++logins}`));
  app.get('/page', (c) => c.text('page'));
  return { app, logins: () => logins };
}

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: a rate-limit rule of the path Hono's getPath routes applies to the URL that reaches it`, async () => {
    const shield = stack([securityHeaders(), rateLimit({ maxRequests: 100, window: 60, rules: [{ match: '/login', maxRequests: 1, window: 60 }] })], quiet);
    const { app, logins } = localeApp(shield);
    try {
      await runtime.with(app, async (send) => {
        const first = await send('/fr/login', { method: 'POST', headers: sameOrigin });
        assert.equal(await first.text(), 'login 1');
        const second = await send('/fr/login', { method: 'POST', headers: sameOrigin });
        await second.body?.cancel();
        assert.equal(second.status, 429, 'the /login rule (1 a minute) did not apply to /fr/login, which runs /login');
        const third = await send('/login', { method: 'POST', headers: sameOrigin });
        await third.body?.cancel();
        assert.equal(third.status, 429);
        assert.equal(logins(), 1);
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: a CSRF exemption of the sent path does not exempt the handler Hono's getPath routes to`, async () => {
    let actions = 0;
    const shield = stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/hooks/'] })], quiet);
    // A normaliser that maps `/hooks/<route>` onto the app's routes.
    const app = new Hono({ getPath: (request) => pathname(request).replace(/^\/hooks(?=\/)/, '') });
    app.use(shield.hono({ clientIp: (c) => (c.env?.incoming === undefined ? '192.0.2.51' : undefined) }));
    app.post('/account/delete', (c) => c.text(`deleted ${++actions}`));
    try {
      await runtime.with(app, async (send) => {
        const direct = await send('/account/delete', { method: 'POST', headers: crossSite });
        await direct.body?.cancel();
        assert.equal(direct.status, 403);
        const through = await send('/hooks/account/delete', { method: 'POST', headers: crossSite });
        assert.equal(through.status, 403, `a cross-site POST reached /account/delete through /hooks/: ${await through.text()}`);
        assert.equal(through.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(actions, 0);
        const ok = await send('/hooks/account/delete', { method: 'POST', headers: sameOrigin });
        assert.equal(await ok.text(), 'deleted 1');
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: a getPath that gives no path is refused (400), the route does not run`, async () => {
    let runs = 0;
    const shield = stack([securityHeaders(), rateLimit({ maxRequests: 100, window: 60, rules: [{ match: '/admin', maxRequests: 1, window: 60 }] })], quiet);
    // Routes by Host without a leading slash ("127.0.0.1admin"): no path a rule could name.
    const app = new Hono({ getPath: (request) => new URL(request.url).hostname + pathname(request).slice(1) });
    app.use(shield.hono({ clientIp: (c) => (c.env?.incoming === undefined ? '192.0.2.52' : undefined) }));
    app.all('*', (c) => c.text(`ran ${++runs}`));
    try {
      await runtime.with(app, async (send) => {
        const response = await send('/admin', { method: 'GET' });
        await response.body?.cancel();
        assert.equal(response.status, 400);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(runs, 0);
      });
    } finally {
      await shield.close();
    }
  });
}

test("strict: false and percent-encoded paths: the router's reading names the same route, rules apply, requests are served", async () => {
  const shield = stack([securityHeaders(), rateLimit({ maxRequests: 100, window: 60, rules: [{ match: '/login', maxRequests: 1, window: 60 }] })], quiet);
  let seen: unknown[] = [];
  const app = new Hono({ strict: false });
  app.use(shield.hono({ clientIp: () => '192.0.2.53' }));
  app.use(async (c, next) => {
    seen = [c.req.path];
    await next();
  });
  app.post('/login', (c) => c.text('login'));
  app.get('/a b/x', (c) => c.text('spaced'));
  try {
    const first = await app.request('/login/', { method: 'POST' });
    assert.equal(await first.text(), 'login');
    assert.deepEqual(seen, ['/login']);
    const second = await app.request('/login', { method: 'POST' });
    assert.equal(second.status, 429);
    // A percent-encoded path reads the same both ways (Hono decodes it, rampart too): served.
    const spaced = await app.request('/a%20b/x');
    assert.equal(await spaced.text(), 'spaced');
  } finally {
    await shield.close();
  }
});
