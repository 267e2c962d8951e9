/**
 * `OPTIONS *` (the asterisk-form target, RFC 9112 §3.2.4; RFC 9110 §9.3.7) names no
 * resource. Left to the frameworks it goes four ways: node:http hands `*` to the handler,
 * Express answers 404, Fastify routes it to the `/` route, and @hono/node-server (under
 * Hono and the fetch adapter) answers 400 before the app. One answer on every adapter:
 * 400, and the app (its routes, its exempt paths) never sees it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { SecurityEventRecord } from '../core/types.ts';
import { securityHeaders } from '../headers/index.ts';
import { csrf } from '../csrf/index.ts';
import { stack } from '../stack/index.ts';
import { rampart } from '../preset.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

for (const method of ['OPTIONS', 'GET', 'POST']) {
  test(`${method} * answers 400 on every adapter and never reaches the app`, async (t) => {
    const events: SecurityEventRecord[] = [];
    let appCalls = 0;
    await forEachAdapter(
      t,
      () => stack([securityHeaders(), csrf({ mode: 'origin', exemptPaths: ['/static/'] })], { events: { emit: (r) => events.push(r) } }),
      async (app) => {
        events.length = 0;
        appCalls = 0;
        const response = await rawRequest(app.url, `${method} * HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(response), 400, response);
        assert.equal(appCalls, 0, 'the app saw the asterisk-form request');
        if (app.adapter === 'hono' || app.adapter === 'fetch') return; // @hono/node-server refuses it before any middleware
        assert.match(response, /x-content-type-options: nosniff/i);
        assert.deepEqual(
          events.filter((e) => e.event === 'INVALID_REQUEST_TARGET').map((e) => e.event),
          ['INVALID_REQUEST_TARGET'],
        );
      },
      () => {
        appCalls++;
        return { status: 200, body: 'app' };
      },
    );
  });
}

/**
 * A query does not turn `*` into a path: `*?x` left to the frameworks reached the node and
 * Express handlers as `*?x`, Fastify's `/` route, and httpsRedirect turned `GET *?a` into a
 * 301 to `https://host/?a`. Any target that neither starts with `/` nor is an absolute-form
 * URL is refused on every adapter, with or without httpsRedirect.
 */
for (const [method, target] of [
  ['GET', '*?x'],
  ['OPTIONS', '*?x'],
  ['POST', '*?a=1'],
  ['OPTIONS', '*?'],
  ['GET', '*?/admin'],
  ['GET', '*%3Fx'],
] as const) {
  test(`${method} ${target} answers 400 on every adapter, also with httpsRedirect on`, async (t) => {
    for (const redirect of [false, true]) {
      const events: SecurityEventRecord[] = [];
      let appCalls = 0;
      await forEachAdapter(
        t,
        () =>
          rampart({
            log: { emit: (r: SecurityEventRecord) => events.push(r) },
            allowedHosts: ['127.0.0.1'],
            httpsRedirect: redirect,
          }),
        async (app) => {
          events.length = 0;
          appCalls = 0;
          const response = await rawRequest(app.url, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
          assert.equal(statusOf(response), 400, `${app.adapter} redirect=${redirect}: ${response}`);
          assert.doesNotMatch(response, /^location:/im);
          assert.equal(appCalls, 0, 'the app saw the request');
          if (app.adapter === 'hono' || app.adapter === 'fetch') return; // @hono/node-server may refuse it before any middleware
          assert.deepEqual(
            events.filter((e) => e.event === 'INVALID_REQUEST_TARGET').map((e) => e.event),
            ['INVALID_REQUEST_TARGET'],
          );
        },
        () => {
          appCalls++;
          return { status: 200, body: 'app' };
        },
      );
    }
  });
}
