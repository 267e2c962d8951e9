import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { rampart } from '../preset.ts';
import { stack } from '../stack/index.ts';
import { securityHeaders } from '../headers/index.ts';
import { cors } from '../cors/index.ts';
import { compression } from '../compression/index.ts';
import type { Middleware } from '../core/types.ts';

/** The symbol under which @hono/node-server's lightweight Response keeps [status, body, headers]. */
function cacheOf(response: Response): unknown[] | undefined {
  for (const s of Object.getOwnPropertySymbols(response)) {
    if (s.description === 'cache') return (response as unknown as Record<symbol, unknown[]>)[s];
  }
  return undefined;
}

/** A Hono app on @hono/node-server's listener, the responses the route produced, and what rampart handed on. */
async function honoServer(
  shieldMiddleware: ReturnType<ReturnType<typeof stack>['hono']>,
  route: (c: import('hono').Context) => Response | Promise<Response>,
): Promise<{ url: string; finished: Response[]; close(): Promise<void> }> {
  const finished: Response[] = [];
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    finished.push(c.res);
  });
  app.use(shieldMiddleware);
  app.get('*', route);
  const server = http.createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    finished,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const PAYLOAD = Buffer.from(JSON.stringify({ items: Array.from({ length: 80 }, (_, i) => ({ id: i, name: `item ${i}` })) }));

test('hono on @hono/node-server: rampart keeps the lightweight response (plain headers, no Headers object built)', async () => {
  const shield = rampart({ log: false, cors: { origins: ['https://app.example'] }, allowedHosts: ['127.0.0.1'], rateLimit: { maxRequests: 1e6, window: 60 } });
  const server = await honoServer(shield.hono(), (c) => c.body(new Uint8Array(PAYLOAD), 200, { 'content-type': 'application/json' }));
  try {
    for (const encoding of [undefined, 'gzip']) {
      const res = await get(server.url, { origin: 'https://app.example', ...(encoding !== undefined ? { 'accept-encoding': encoding } : {}) });
      assert.equal(res.status, 200);
      const cache = cacheOf(server.finished.at(-1)!);
      assert.ok(cache !== undefined, 'the response handed on is still a lightweight (cached) one');
      assert.ok(!(cache[2] instanceof Headers), 'its headers are a plain record, not a Headers object');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
      assert.equal(res.headers['content-type'], 'application/json');
      const body = encoding === 'gzip' ? zlib.gunzipSync(res.body) : res.body;
      assert.equal(res.headers['content-encoding'], encoding);
      assert.equal(Number(res.headers['content-length']), res.body.byteLength);
      assert.deepEqual(body, PAYLOAD);
    }
  } finally {
    await server.close();
  }
});

test('hono on @hono/node-server, plain-header path: the app wins, Vary tokens combine, Set-Cookie lines add up', async () => {
  const cookie = Object.freeze<Middleware>({
    name: 'cookieSetter',
    handle(_req, res) {
      res.append('set-cookie', 'r=1; Path=/');
      res.append('set-cookie', 's=2; Path=/');
      return undefined;
    },
  });
  const shield = stack([securityHeaders(), cors({ origins: ['https://app.example'] }), cookie, compression()]);
  const server = await honoServer(shield.hono(), (c) =>
    c.body('hello world', 201, { 'Content-Type': 'text/plain', 'X-Frame-Options': 'SAMEORIGIN', Vary: 'Cookie', 'Set-Cookie': 'app=1' } as Record<
      string,
      string
    >),
  );
  try {
    const res = await get(server.url, { origin: 'https://app.example', 'accept-encoding': 'gzip' });
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', "the application's value wins");
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.deepEqual(res.headers.vary!.split(/,\s*/).sort(), ['Accept-Encoding', 'Cookie', 'Origin'].sort());
    assert.deepEqual([...(res.headers['set-cookie'] ?? [])].sort(), ['app=1', 'r=1; Path=/', 's=2; Path=/']);
    assert.equal(res.headers['content-encoding'], undefined, 'under minSize: not compressed');
    assert.equal(res.body.toString(), 'hello world');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  } finally {
    await server.close();
  }
});

test('hono on @hono/node-server, plain-header path: header names that Object.prototype also has are data, not inherited members', async () => {
  // rampart sets a header named like an Object.prototype member; the app sends another.
  const named = Object.freeze<Middleware>({
    name: 'protoNamed',
    handle(_req, res) {
      res.set('constructor', 'from-rampart');
      res.set('hasownproperty', 'from-rampart');
      return undefined;
    },
  });
  const shield = stack([securityHeaders(), named]);
  const init = Object.defineProperty({ 'content-type': 'text/plain', tostring: 'from-app' } as Record<string, string>, '__proto__', {
    value: 'from-app',
    enumerable: true,
  });
  const server = await honoServer(shield.hono(), (c) => c.body('named', 200, init));
  try {
    const res = await fetch(server.url); // fetch's Headers: node's own header object would treat __proto__ specially
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('constructor'), 'from-rampart');
    assert.equal(res.headers.get('hasownproperty'), 'from-rampart');
    assert.equal(res.headers.get('tostring'), 'from-app');
    assert.equal(res.headers.get('__proto__'), 'from-app');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(cacheOf(server.finished.at(-1)!) !== undefined, 'handled on the lightweight path');
    assert.equal(await res.text(), 'named');
  } finally {
    await server.close();
  }
});

test('hono on @hono/node-server: a stack reply before the route still carries the security headers', async () => {
  const shield = rampart({ log: false, allowedHosts: ['example.com'] });
  const server = await honoServer(shield.hono(), (c) => c.text('never'));
  try {
    const res = await get(server.url);
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  } finally {
    await server.close();
  }
});
