/**
 * Whether Hono's router runs the path the client sent is decided on the router's own string
 * (`c.req.path`, from the app's `getPath`) against Hono's default reading of the same
 * request — exactly, not after rampart's canonicalisation: `///webhooks/x`, `/./webhooks/x`
 * and `/webhooks/x` read as one canonical path but Hono's router runs different handlers for
 * them, so an exemption of the sent path must not apply. On @hono/node-server and on `app.request()`.
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
const crossSite = { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' };

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
const clientIp = (c: { env?: { incoming?: unknown } }) => (c.env?.incoming === undefined ? '192.0.2.60' : undefined);

async function status(send: Send, path: string, headers: Record<string, string>): Promise<[number, string]> {
  const response = await send(path, { method: 'POST', headers, body: 'x' });
  return [response.status, await response.text()];
}

for (const runtime of RUNTIMES) {
  test(`${runtime.name}: a getPath that joins a prefix into "///webhooks/x" or "/./webhooks/x" runs another handler: the CSRF exemption does not apply`, async () => {
    const shield = stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/webhooks/'] })], quiet);
    // '/' + tenant + path, the tenant from a header the client chooses.
    const app = new Hono({
      getPath: (request) => {
        const tenant = request.headers.get('x-tenant') ?? '';
        return tenant === '' ? pathname(request) : `/${tenant}${pathname(request)}`;
      },
    });
    app.use(shield.hono({ clientIp }));
    app.post('/webhooks/:id', (c) => c.text('webhook'));
    app.post('/:tenant/webhooks/:id', (c) => c.text('tenant webhook'));
    app.post('*', (c) => c.text('catch-all'));
    try {
      await runtime.with(app, async (send) => {
        assert.deepEqual(await status(send, '/webhooks/x', crossSite), [200, 'webhook'], 'the exempt path as sent stays exempt');
        assert.equal((await status(send, '/webhooks/x', { ...crossSite, 'x-tenant': 'acme' }))[0], 403);
        const [slashes, ranSlashes] = await status(send, '/webhooks/x', { ...crossSite, 'x-tenant': '/' });
        assert.equal(slashes, 403, `"///webhooks/x" ran: ${ranSlashes}`);
        const [dot, ranDot] = await status(send, '/webhooks/x', { ...crossSite, 'x-tenant': '.' });
        assert.equal(dot, 403, `"/./webhooks/x" ran: ${ranDot}`);
        // Same-site requests still reach the handlers the router picks.
        assert.deepEqual(await status(send, '/webhooks/x', { 'sec-fetch-site': 'same-origin', 'x-tenant': '.' }), [200, 'tenant webhook']);
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: a getPath whose result differs from the sent path only in case or by a header (x-path) gets the full check`, async () => {
    const shield = stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/webhooks/'] })], quiet);
    const app = new Hono({ getPath: (request) => request.headers.get('x-path') ?? pathname(request).toLowerCase() });
    app.use(shield.hono({ clientIp }));
    app.post('*', (c) => c.text(`ran ${c.req.path}`));
    try {
      await runtime.with(app, async (send) => {
        assert.deepEqual(await status(send, '/webhooks/x', crossSite), [200, 'ran /webhooks/x']);
        for (const routed of ['///webhooks/x', '/./webhooks/x', '/WEBHOOKS/x', '/webhooks//x']) {
          const [code, ran] = await status(send, '/webhooks/x', { ...crossSite, 'x-path': routed });
          assert.equal(code, 403, `${routed}: ${ran}`);
        }
        // Lower-cased by getPath: both readings are under /webhooks/ for rampart's matching,
        // but the router runs another string than the client sent: no exemption.
        const [lower, ranLower] = await status(send, '/webhooks/X', crossSite);
        assert.equal(lower, 403, `/webhooks/X: ${ranLower}`);
      });
    } finally {
      await shield.close();
    }
  });

  test(`${runtime.name}: a getPath that returns Hono's default reading (percent-decoded once) keeps the exemption`, async () => {
    const shield = stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/webhooks/'] })], quiet);
    // Hono's default getPath of these URLs, written out.
    const app = new Hono({ getPath: (request) => decodeURI(pathname(request).replace(/%25/g, '%2525')) });
    app.use(shield.hono({ clientIp }));
    app.post('*', (c) => c.text(`ran ${c.req.path}`));
    try {
      await runtime.with(app, async (send) => {
        assert.deepEqual(await status(send, '/webhooks/x', crossSite), [200, 'ran /webhooks/x']);
        assert.deepEqual(await status(send, '/webhooks/a%20b', crossSite), [200, 'ran /webhooks/a b']);
        assert.deepEqual(await status(send, '/webhooks/%C3%A9t%C3%A9', crossSite), [200, 'ran /webhooks/été']);
      });
    } finally {
      await shield.close();
    }
  });
}

test("no getPath and strict: false: Hono's default reading is one reading, exemptions of percent-encoded paths apply; rules cover the routed string", async () => {
  for (const options of [{}, { strict: false }]) {
    const shield = stack(
      [
        securityHeaders(),
        rateLimit({ maxRequests: 100, window: 60, rules: [{ match: '/admin', maxRequests: 1, window: 60 }] }),
        csrf({ mode: 'origin', exemptPaths: ['/webhooks/'] }),
      ],
      quiet,
    );
    const app = new Hono(options);
    app.use(shield.hono({ clientIp: () => '192.0.2.61' }));
    app.post('*', (c) => c.text(`ran ${c.req.path}`));
    try {
      assert.equal((await app.request('/webhooks/a%20b', { method: 'POST', headers: crossSite, body: 'x' })).status, 200);
      assert.equal((await app.request('/webhooks/%E2%9C%93', { method: 'POST', headers: crossSite, body: 'x' })).status, 200);
      const sameOrigin = { 'sec-fetch-site': 'same-origin' };
      assert.equal((await app.request('/admin', { method: 'POST', headers: sameOrigin })).status, 200);
      assert.equal((await app.request('/admin', { method: 'POST', headers: sameOrigin })).status, 429);
    } finally {
      await shield.close();
    }
  }
});
