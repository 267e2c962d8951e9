/**
 * Absolute-form request targets (`GET http://evil.example/x HTTP/1.1` + `Host: app…`):
 * per RFC 9112 §3.2.2 the target's authority replaces Host, so hostGuard and
 * httpsRedirect judge it, and a target whose authority disagrees with Host is refused
 * with 400 — through all five adapters, with raw bytes on the socket.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { hostGuard, httpsRedirect } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter, type AppRequest, type TestApp } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';

/** The URL an application builds the usual way on each adapter (node-style `new URL(req.url, base)`, Hono's `c.req.url`, the fetch Request's url). */
function appUrl(req: AppRequest): URL {
  const native = req.native as { url?: string; headers?: Record<string, string>; raw?: IncomingMessage; req?: { url: string } };
  if (native.req !== undefined && typeof native.req.url === 'string') return new URL(native.req.url); // Hono context
  if (native instanceof Request) return new URL(native.url);
  const incoming = (native.raw ?? native) as IncomingMessage; // Fastify request → raw
  return new URL(incoming.url!, `http://${incoming.headers.host}`);
}

const urlApp: TestApp = (req) => {
  const url = appUrl(req);
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ host: url.host, path: url.pathname, viewHost: req.view?.host, authority: req.view?.authority }),
  };
};

function get(url: string, target: string, host: string | undefined): Promise<string> {
  return rawRequest(url, `GET ${target} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`);
}

function bodyOf(response: string): Record<string, unknown> {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

test('hostGuard judges the absolute-form authority; a target disagreeing with Host gets 400 (every adapter)', async (t) => {
  const events: SecurityEventRecord[] = [];
  const sink: EventSink = { emit: (r) => events.push(r) };
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['app.example.com'] })], { events: sink }),
    async (app) => {
      // The attack: the app would build password-reset links for evil.example.
      const evil = await get(app.url, 'http://evil.example/reset?u=1', 'app.example.com');
      assert.equal(statusOf(evil), 400, evil);
      assert.match(evil, /application\/problem\+json/);
      assert.ok(
        events.some((e) => e.event === 'INVALID_REQUEST_TARGET' && e.path === '/reset'),
        'logged with the path',
      );

      // Agreeing authority and Host: accepted, and the app sees the allowed host.
      for (const [target, host] of [
        ['http://app.example.com/reset?u=1', 'app.example.com'],
        ['http://APP.example.com/reset', 'app.example.com:80'],
        ['http://app.example.com:80/reset', 'app.example.com'],
      ] as const) {
        const ok = await get(app.url, target, host);
        assert.equal(statusOf(ok), 200, `${target} ${ok}`);
        const seen = bodyOf(ok);
        assert.equal((seen.host as string).replace(/:80$/, ''), 'app.example.com', target);
        assert.equal(seen.path, '/reset', target);
        assert.equal((seen.viewHost as string).replace(/:80$/, ''), 'app.example.com', target);
      }

      // Both name the same host outside the allowlist: the host guard refuses the authority.
      const both = await get(app.url, 'http://evil.example/reset', 'evil.example');
      assert.equal(statusOf(both), 400);
      assert.ok(events.some((e) => e.event === 'INVALID_HOST'));

      // User information, or a scheme other than http(s), in the target: refused.
      assert.equal(statusOf(await get(app.url, 'http://app.example.com@evil.example/reset', 'app.example.com')), 400);
      assert.equal(statusOf(await get(app.url, 'http://evil.example:80@app.example.com/reset', 'app.example.com')), 400);
      assert.equal(statusOf(await get(app.url, 'ftp://app.example.com/reset', 'app.example.com')), 400);
    },
    urlApp,
  );
});

test('without a host guard, a disagreeing absolute-form target still gets 400 (the app never sees evil.example)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([], { events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await get(app.url, 'http://evil.example/reset', 'app.example.com')), 400);
      const ok = await get(app.url, 'http://app.example.com/reset', 'app.example.com');
      assert.equal(statusOf(ok), 200);
      assert.equal(bodyOf(ok).host, 'app.example.com');
    },
    urlApp,
  );
});

test('httpsRedirect judges the absolute-form authority (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([httpsRedirect({ allowedHosts: ['app.example.com'] })], { events: { emit: () => undefined } }),
    async (app) => {
      const evil = await get(app.url, 'http://evil.example/p?q=1', 'app.example.com');
      assert.equal(statusOf(evil), 400, evil);
      assert.doesNotMatch(evil, /\r\nlocation:/i);
      const ok = await get(app.url, 'http://app.example.com/p?q=1', 'app.example.com');
      assert.equal(statusOf(ok), 301);
      assert.match(ok, /\r\nlocation: https:\/\/app\.example\.com\/p\?q=1\r\n/i);
      // An authority outside the allowlist is not redirected to (the host guard answers it).
      const other = await get(app.url, 'http://other.example/p', 'other.example');
      assert.doesNotMatch(other, /\r\nlocation:/i);
    },
    urlApp,
  );
});
