/**
 * Hono's methodOverride sends a new Request through the whole app again. One client
 * request must cost one rate-limit token, whether the shield skips the second pass (the
 * same method and path) or judges it again (HEAD/OPTIONS/POST turned into DELETE: CSRF and
 * the rest see the method that runs), on @hono/node-server and where the runtime gives no
 * node request (`app.request()`, Workers, Bun).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { methodOverride } from 'hono/method-override';
import type { Middleware } from '../core/types.ts';
import { securityHeaders } from '../headers/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { csrf } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';
import { listenFetch } from '../../test/helpers/listen.ts';

const quiet = { events: { emit: () => undefined } };

function app(shield: ReturnType<typeof stack>, options?: Parameters<ReturnType<typeof stack>['hono']>[0]): { app: Hono; deleted: () => number } {
  let deleted = 0;
  const h = new Hono();
  h.use(shield.hono(options));
  h.use(methodOverride({ app: h, header: 'x-http-method-override' }));
  h.delete('/account', (c) => {
    deleted++;
    return c.text('account deleted');
  });
  h.on(['HEAD', 'OPTIONS', 'GET'], '/account', (c) => c.text('safe'));
  return { app: h, deleted: () => deleted };
}

const sameOrigin = { 'x-http-method-override': 'DELETE', 'sec-fetch-site': 'same-origin' };
const crossSite = { 'x-http-method-override': 'DELETE', 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' };

for (const method of ['HEAD', 'OPTIONS']) {
  test(`@hono/node-server: ${method} overridden to DELETE is judged again (CSRF) but costs one rate-limit token`, async () => {
    let runs = 0;
    const counter: Middleware = { name: 'counter', handle: () => void runs++ };
    const shield = stack([securityHeaders(), counter, rateLimit({ maxRequests: 10, window: 60 }), csrf({ mode: 'origin' })], quiet);
    const { app: h, deleted } = app(shield);
    const server = await listenFetch(h.fetch);
    try {
      for (let i = 1; i <= 2; i++) {
        const r = await fetch(`${server.url}/account`, { method, headers: sameOrigin });
        await r.body?.cancel();
        assert.equal(r.status, 200);
        assert.equal(deleted(), i);
        assert.equal(r.headers.get('x-ratelimit-remaining'), String(10 - i), 'one token per request');
      }
      assert.equal(runs, 4, 'the changed method is still judged again');
      const refused = await fetch(`${server.url}/account`, { method, headers: crossSite });
      await refused.body?.cancel();
      assert.equal(refused.status, 403);
      assert.equal(deleted(), 2);
      const after = await fetch(`${server.url}/account`);
      await after.body?.cancel();
      assert.equal(after.headers.get('x-ratelimit-remaining'), '6', 'three overridden requests and this GET: four tokens');
    } finally {
      await server.close();
      await shield.close();
    }
  });
}

test('app.request() (no node request): an overridden POST is judged as DELETE and costs one token', async () => {
  let runs = 0;
  const counter: Middleware = { name: 'counter', handle: () => void runs++ };
  const shield = stack([securityHeaders(), counter, rateLimit({ maxRequests: 10, window: 60 })], quiet);
  const { app: h, deleted } = app(shield, { clientIp: () => '192.0.2.7' });
  try {
    for (let i = 1; i <= 2; i++) {
      runs = 0;
      const r = await h.request('/account', { method: 'POST', headers: sameOrigin });
      assert.equal(await r.text(), 'account deleted');
      assert.equal(runs, 2, 'the POST, then the DELETE that runs');
      assert.equal(r.headers.get('x-ratelimit-remaining'), String(10 - i));
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
    assert.equal(deleted(), 2);
  } finally {
    await shield.close();
  }
});

for (const method of ['HEAD', 'OPTIONS']) {
  test(`app.request() (no node request): ${method} overridden to DELETE is judged again (CSRF) but costs one rate-limit token`, async () => {
    let runs = 0;
    const counter: Middleware = { name: 'counter', handle: () => void runs++ };
    const shield = stack([securityHeaders(), counter, rateLimit({ maxRequests: 10, window: 60 }), csrf({ mode: 'origin' })], quiet);
    const { app: h, deleted } = app(shield, { clientIp: () => '192.0.2.8' });
    try {
      const refused = await h.request('/account', { method, headers: crossSite });
      assert.equal(refused.status, 403);
      assert.equal(deleted(), 0, 'the DELETE route ran for a cross-site request without its CSRF check');
      const r = await h.request('/account', { method, headers: sameOrigin });
      assert.equal(r.status, 200);
      assert.equal(deleted(), 1);
      assert.equal(r.headers.get('x-ratelimit-remaining'), '8', 'two requests, two tokens');
      assert.equal(runs, 4, 'each changed method is judged again');
    } finally {
      await shield.close();
    }
  });
}

test('app.request(): a request the app itself sends to another path from a handler is judged on its own', async () => {
  let runs = 0;
  const counter: Middleware = { name: 'counter', handle: () => void runs++ };
  const shield = stack([counter], quiet);
  const h = new Hono();
  h.use(shield.hono());
  h.post('/outer', async () => h.request('/inner', { method: 'POST' }));
  h.post('/inner', (c) => c.text('inner'));
  assert.equal(await (await h.request('/outer', { method: 'POST' })).text(), 'inner');
  assert.equal(runs, 2);
});

test('app.request(): a request a handler sends later, after its own response, is judged on its own', async () => {
  let runs = 0;
  const counter: Middleware = { name: 'counter', handle: () => void runs++ };
  const shield = stack([counter], quiet);
  const h = new Hono();
  h.use(shield.hono());
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let later: Promise<Response> | undefined;
  h.post('/job', (c) => {
    // A background task started by the handler (it inherits the handler's async context).
    later ??= gate.then(() => h.request('/job', { method: 'POST' }));
    return c.text('queued');
  });
  assert.equal(await (await h.request('/job', { method: 'POST' })).text(), 'queued');
  assert.equal(runs, 1);
  release();
  assert.equal(await (await later!).text(), 'queued');
  assert.equal(runs, 2, 'the later request ran the shield');
});
