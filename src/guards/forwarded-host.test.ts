/**
 * A trusted proxy's X-Forwarded-Host is one reading of the host; Host (or the absolute-form
 * authority) is another, and most apps build URLs from that one (Hono's c.req.url,
 * `new URL(req.url, 'http://' + req.headers.host)`). nginx's common configuration passes a
 * client's own X-Forwarded-Host through unchanged, so the host guard must accept a request
 * only when every reading the app may use is allowed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { hostGuard } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

function get(url: string, headers: Record<string, string>): Promise<string> {
  const lines = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return rawRequest(url, `GET /reset HTTP/1.1\r\n${lines}Connection: close\r\n\r\n`);
}

test('hostGuard behind a trusted proxy: a forged Host is refused even when X-Forwarded-Host is allowed (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, { Host: 'evil.example', 'X-Forwarded-Host': 'app.example' })), 400, 'Host is what the app builds links from');
      assert.equal(
        statusOf(await get(app.url, { Host: 'app.example', 'X-Forwarded-Host': 'evil.example' })),
        400,
        'X-Forwarded-Host is what Express-style apps read',
      );
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', 'X-Forwarded-Host': 'app.example' })), 200);
      assert.equal(statusOf(await get(app.url, { Host: 'app.example' })), 200);
    },
  );
});

test('hostGuard: a proxy that rewrites Host to an internal name needs that name listed (fails closed)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example', 'backend.internal'] })], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, { Host: 'backend.internal:3000', 'X-Forwarded-Host': 'app.example' })), 200);
      assert.equal(statusOf(await get(app.url, { Host: 'backend.internal:3000', 'X-Forwarded-Host': 'evil.example' })), 400);
    },
  );
});

test('hostGuard: a list in X-Forwarded-Host or several Forwarded hosts are refused (Express reads the first, Fastify the last)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', 'X-Forwarded-Host': 'evil.example, app.example' })), 400);
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', 'X-Forwarded-Host': 'app.example, evil.example' })), 400);
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', 'X-Forwarded-Host': 'app.example' })), 200);
    },
  );
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example'] })], { trustProxy: ['127.0.0.1'], proxyHeaders: 'forwarded', events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', Forwarded: 'host=evil.example, host=app.example' })), 400);
      assert.equal(statusOf(await get(app.url, { Host: 'app.example', Forwarded: 'for=192.0.2.1;host=app.example, for=192.0.2.2;host=APP.example' })), 200);
    },
  );
});
