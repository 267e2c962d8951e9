/**
 * Whether a request came over TLS is the connection's fact, not the client's words: an
 * absolute-form `https://` target or an HTTP/2 `:scheme: https` over cleartext is not secure
 * on any adapter (Hono and fetch on @hono/node-server build their URL from those words).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { httpsRedirect } from '../guards/index.ts';
import { isSecureOf } from '../client-ip/request.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest } from '../../test/helpers/raw-http.ts';

const app = (req: { native: unknown }) => ({ headers: { 'content-type': 'text/plain' }, body: `secure=${isSecureOf(req.native)}` });

test('every adapter: a cleartext request with an absolute-form https:// target is not secure (httpsRedirect redirects it)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([httpsRedirect({ allowedHosts: ['127.0.0.1'] })]),
    async (server) => {
      const port = new URL(server.url).port;
      const res = await rawRequest(server.url, `GET https://127.0.0.1:${port}/a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      assert.match(res, /^HTTP\/1\.1 30[18] /, server.adapter);
    },
    app,
  );
  await forEachAdapter(
    t,
    () => stack([]),
    async (server) => {
      const port = new URL(server.url).port;
      const res = await rawRequest(server.url, `GET https://127.0.0.1:${port}/a HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      assert.match(res, /secure=false/, server.adapter);
    },
    app,
  );
});
