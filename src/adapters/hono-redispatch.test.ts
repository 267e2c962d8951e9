/**
 * A Hono app can send a client request through itself again: a handler re-dispatching
 * `/legacy/*` to the new routes (`app.fetch(new Request(otherUrl), c.env)`), methodOverride
 * turning HEAD/OPTIONS/POST into DELETE. Each pass is judged in full for the path and method
 * that run (no exemption of the first path carries over, the rate-limit rule of the new path
 * or method applies), and the client request costs one token of each policy. On
 * @hono/node-server (the passes share the node request) and on `app.request()` (no node
 * request: the passes are linked through the running exchange).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { methodOverride } from 'hono/method-override';
import { serve as serveNode } from '@hono/node-server';
import { securityHeaders } from '../headers/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { csrf } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';

const quiet = { events: { emit: () => undefined } };
const crossSite = { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' };
const sameOrigin = { 'sec-fetch-site': 'same-origin' };

/** How a test sends one request: through a real @hono/node-server, or `app.request()`. */
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

/** An app whose `/legacy/*` routes re-dispatch to the route without the prefix (same method, headers, body). */
function legacyApp(shield: ReturnType<typeof stack>): { app: Hono; actions: () => number } {
  let actions = 0;
  const app = new Hono();
  app.use(shield.hono({ clientIp: (c) => (c.env?.incoming === undefined ? '192.0.2.40' : undefined) }));
  app.all('/legacy/*', (c) => {
    const target = new URL(c.req.path.replace('/legacy', ''), c.req.url);
    const init = { method: c.req.method, headers: c.req.raw.headers, body: c.req.raw.body, duplex: 'half' } as RequestInit;
    return app.fetch(new Request(target, init), c.env);
  });
  app.post('/admin', (c) => c.text(`admin action ${++actions}`));
  app.get('/page', (c) => c.text('page'));
  return { app, actions: () => actions };
}

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: a re-dispatch to another path loses the first path's CSRF exemption`, async () => {
    const shield = stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/legacy/'] })], quiet);
    const { app, actions } = legacyApp(shield);
    try {
      await runtime.with(app, async (send) => {
        const direct = await send('/admin', { method: 'POST', headers: crossSite });
        await direct.body?.cancel();
        assert.equal(direct.status, 403);
        const through = await send('/legacy/admin', { method: 'POST', headers: crossSite });
        assert.equal(through.status, 403, `a cross-site POST reached /admin through /legacy/: ${await through.text()}`);
        assert.equal(through.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(actions(), 0);
        const ok = await send('/legacy/admin', { method: 'POST', headers: sameOrigin });
        assert.equal(await ok.text(), 'admin action 1');
        assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: a re-dispatch to another path meets that path's rate-limit rule; the global one costs one token`, async () => {
    const shield = stack([securityHeaders(), rateLimit({ maxRequests: 10, window: 60, rules: [{ match: '/admin', maxRequests: 1, window: 60 }] })], quiet);
    const { app, actions } = legacyApp(shield);
    try {
      await runtime.with(app, async (send) => {
        const first = await send('/legacy/admin', { method: 'POST', headers: sameOrigin });
        assert.equal(await first.text(), 'admin action 1');
        const second = await send('/legacy/admin', { method: 'POST', headers: sameOrigin });
        await second.body?.cancel();
        assert.equal(second.status, 429, 'the /admin rule (1 a minute) never applied through /legacy/');
        assert.equal(actions(), 1);
        // Two re-dispatched POSTs and this GET: one global token each.
        const page = await send('/page', { method: 'GET', headers: sameOrigin });
        await page.body?.cancel();
        assert.equal(page.headers.get('ratelimit-policy'), '"default";q=10;w=60');
        assert.match(page.headers.get('ratelimit') ?? '', /^"default";r=7;/, 'a re-dispatched POST cost one global token');
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: methodOverride to DELETE meets a rate-limit rule for DELETE, and costs one global token`, async () => {
    const shield = stack(
      [securityHeaders(), rateLimit({ maxRequests: 100, window: 60, rules: [{ match: { method: 'DELETE', path: '/acct' }, maxRequests: 1, window: 60 }] })],
      quiet,
    );
    let deleted = 0;
    const app = new Hono();
    app.use(shield.hono({ clientIp: (c) => (c.env?.incoming === undefined ? '192.0.2.41' : undefined) }));
    app.use(methodOverride({ app, query: '_method' }));
    app.delete('/acct', (c) => c.text(`deleted ${++deleted}`));
    app.on(['GET', 'HEAD', 'OPTIONS', 'POST'], '/acct', (c) => c.text('other'));
    try {
      await runtime.with(app, async (send) => {
        const first = await send('/acct', { method: 'DELETE' });
        assert.equal(await first.text(), 'deleted 1');
        for (const method of ['HEAD', 'OPTIONS', 'POST']) {
          const r = await send('/acct?_method=DELETE', { method });
          await r.body?.cancel();
          assert.equal(r.status, 429, `${method} overridden to DELETE got past the DELETE rule`);
        }
        assert.equal(deleted, 1);
        const form = await send('/acct', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_method=DELETE' });
        await form.body?.cancel();
        assert.equal(deleted, 1, 'a form POST overridden to DELETE got past the DELETE rule');
        const page = await send('/acct', { method: 'GET' });
        await page.body?.cancel();
        // 1 DELETE, 4 overridden (their first pass) and this GET: one global token each.
        assert.match(page.headers.get('ratelimit') ?? '', /^"default";r=94;/);
      });
    } finally {
      await shield.close();
    }
  });
}
