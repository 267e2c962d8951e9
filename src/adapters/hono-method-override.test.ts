/**
 * Hono's methodOverride middleware answers by sending a new Request through the whole app
 * again (`app.fetch(request, c.env, executionCtx)`), so a shield mounted first with
 * `app.use(shield.hono())` sees one client request twice. The re-dispatched request is judged
 * for the method that runs (a rate-limit rule for DELETE applies), but costs one token of
 * each policy.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { request as httpRequest } from 'node:http';
import { Hono } from 'hono';
import { methodOverride } from 'hono/method-override';
import type { Middleware } from '../core/types.ts';
import { securityHeaders } from '../headers/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { csrf } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';
import { listenFetch } from '../../test/helpers/listen.ts';
import { clientIpOf } from '../client-ip/request.ts';

const VARIANTS: Array<{ name: string; options: { header: string } | { query: string } | Record<string, never>; send: (url: string) => Promise<Response> }> = [
  {
    name: 'form',
    options: {},
    send: (url) => fetch(`${url}/posts`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_method=DELETE&id=7' }),
  },
  {
    name: 'header',
    options: { header: 'x-http-method-override' },
    send: (url) => fetch(`${url}/posts`, { method: 'POST', headers: { 'x-http-method-override': 'DELETE' } }),
  },
  { name: 'query', options: { query: '_method' }, send: (url) => fetch(`${url}/posts?_method=DELETE`, { method: 'POST' }) },
];

for (const variant of VARIANTS) {
  test(`hono methodOverride (${variant.name}): the re-dispatched request is judged as DELETE and costs one token`, async () => {
    let runs = 0;
    const counter: Middleware = { name: 'counter', handle: () => void runs++ };
    const shield = stack([securityHeaders(), counter, rateLimit({ maxRequests: 10, window: 60 })], { events: { emit: () => undefined } });
    const app = new Hono();
    app.use(shield.hono());
    app.use('/posts', methodOverride({ app, ...variant.options } as Parameters<typeof methodOverride>[0]));
    app.delete('/posts', (c) => c.json({ deleted: true, ip: clientIpOf(c) ?? null }));
    const server = await listenFetch(app.fetch);
    try {
      for (let i = 1; i <= 2; i++) {
        runs = 0;
        const response = await variant.send(server.url);
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { deleted: true, ip: '127.0.0.1' });
        assert.equal(runs, 2, 'the POST, then the DELETE that runs');
        assert.equal(response.headers.get('x-ratelimit-remaining'), String(10 - i));
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      }
    } finally {
      await server.close();
      await shield.close();
    }
  });
}

test('two different shields on one Hono app both run for a request', async () => {
  let outer = 0;
  let inner = 0;
  const a = stack([{ name: 'a', handle: () => void outer++ }], { events: { emit: () => undefined } });
  const b = stack([{ name: 'b', handle: () => void inner++ }], { events: { emit: () => undefined } });
  const app = new Hono();
  app.use(a.hono());
  app.use('/posts', methodOverride({ app, header: 'x-http-method-override' }));
  app.use('/posts', b.hono());
  app.delete('/posts', (c) => c.text('deleted'));
  const server = await listenFetch(app.fetch);
  try {
    const response = await fetch(`${server.url}/posts`, { method: 'POST', headers: { 'x-http-method-override': 'DELETE' } });
    assert.equal(await response.text(), 'deleted');
    // The outer shield judged the POST and the DELETE; the inner one (after methodOverride) the DELETE.
    assert.deepEqual({ outer, inner }, { outer: 2, inner: 1 });
  } finally {
    await server.close();
  }
});

/** One raw request through node:http (full control of Sec-Fetch-Site, Origin, the method). */
function send(url: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on('error', reject);
    request.end();
  });
}

for (const method of ['HEAD', 'OPTIONS']) {
  for (const via of ['query', 'header'] as const) {
    test(`hono methodOverride (${via}) on ${method}: the overriding DELETE gets its CSRF check (a cross-site one is refused, a same-origin one runs)`, async () => {
      let deleted = 0;
      let runs = 0;
      const counter: Middleware = { name: 'counter', handle: () => void runs++ };
      const shield = stack([securityHeaders(), counter, csrf({ mode: 'origin' })], { events: { emit: () => undefined } });
      const app = new Hono();
      app.use(shield.hono());
      app.use(methodOverride(via === 'query' ? { app, query: '_method' } : { app, header: 'x-http-method-override' }));
      app.delete('/account', (c) => {
        deleted++;
        return c.text('account deleted');
      });
      app.on(method, '/account', (c) => c.text('safe'));
      const server = await listenFetch(app.fetch);
      const path = via === 'query' ? '/account?_method=DELETE' : '/account';
      const override: Record<string, string> = via === 'header' ? { 'x-http-method-override': 'DELETE' } : {};
      try {
        const crossSite = await send(server.url, method, path, {
          ...override,
          origin: 'https://evil.test',
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'no-cors',
          cookie: 'sid=victim',
        });
        assert.equal(crossSite.status, 403);
        assert.equal(deleted, 0, 'the DELETE route ran for a cross-site request without its CSRF check');
        assert.equal(crossSite.headers['x-content-type-options'], 'nosniff');
        const sameOrigin = await send(server.url, method, path, { ...override, 'sec-fetch-site': 'same-origin' });
        assert.equal(sameOrigin.status, 200);
        assert.equal(deleted, 1);
        assert.equal(sameOrigin.headers['x-content-type-options'], 'nosniff');
        assert.equal(runs, 4, 'the changed method is judged again: twice per request');
      } finally {
        await server.close();
        await shield.close();
      }
    });
  }
}
