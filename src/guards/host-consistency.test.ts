/**
 * Edge cases of the request authority that adapters used to judge differently: an
 * absolute-form target with an upper-case scheme, and an HTTP/1.0 request without Host
 * (@hono/node-server fills in its listen hostname). One rule for all five adapters.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { hostGuard } from './index.ts';
import { stack } from '../stack/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

test('an absolute-form target with an upper-case scheme is refused on every adapter (lower-case http/https pass)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([], { events: { emit: () => undefined } }),
    async (app) => {
      const host = new URL(app.url).host;
      for (const scheme of ['HTTP', 'Http', 'HTTPS']) {
        const response = await rawRequest(app.url, `GET ${scheme}://${host}/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(response), 400, `${app.adapter}: ${scheme}`);
      }
      const ok = await rawRequest(app.url, `GET http://${host}/x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(statusOf(ok), 200, app.adapter);
    },
  );
});

test('an HTTP/1.0 request without Host has no authority: hostGuard refuses it on every adapter (the listen address is not the client’s)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['127.0.0.1', 'localhost'] })], { events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await rawRequest(app.url, 'GET / HTTP/1.0\r\n\r\n')), 400, app.adapter);
      assert.equal(statusOf(await rawRequest(app.url, 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n')), 200, app.adapter);
    },
  );
  await forEachAdapter(
    t,
    () => stack([], { events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await rawRequest(app.url, 'GET / HTTP/1.0\r\n\r\n')), 200, `${app.adapter}: without hostGuard it passes`);
    },
  );
});

test('Host ports beyond 65535 or with a leading zero, and labels ending in a hyphen, are refused on every adapter; canonical ones pass', async (t) => {
  await forEachAdapter(
    t,
    () => stack([hostGuard({ allowedHosts: ['example.com', 'a-b.example.org', '.ex.org'] })], { events: { emit: () => undefined } }),
    async (app) => {
      for (const host of [
        'example.com:65536',
        'example.com:99999',
        'example.com:0080',
        'example.com:08',
        'example.com:00',
        'a-.ex.org',
        'example.com:123456',
      ]) {
        const res = await rawRequest(app.url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(res), 400, `${app.adapter}: ${host}`);
      }
      for (const host of ['example.com', 'example.com:80', 'example.com:65535', 'example.com:8080', 'a-b.example.org', 'x.ex.org.']) {
        const res = await rawRequest(app.url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(statusOf(res), 200, `${app.adapter}: ${host}`);
      }
    },
  );
});

test('httpsRedirect alone: a plain-HTTP request for an unlisted host is refused with 400 on every adapter (not served over HTTP)', async (t) => {
  const { httpsRedirect } = await import('./index.ts');
  await forEachAdapter(
    t,
    () => stack([httpsRedirect({ allowedHosts: ['example.com'] })], { events: { emit: () => undefined } }),
    async (app) => {
      assert.equal(statusOf(await rawRequest(app.url, 'GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')), 400, app.adapter);
      assert.equal(statusOf(await rawRequest(app.url, 'GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n')), 301, app.adapter);
    },
  );
});
