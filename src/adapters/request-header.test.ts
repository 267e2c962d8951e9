/**
 * The request view's header(name) answers alike on every adapter: any case of the name, and
 * names that exist on every JavaScript object ('constructor', 'toString', '__proto__') are
 * absent headers, not a crash.
 */
import test from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { csrf } from '../csrf/index.ts';
import type { Middleware, RequestView } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest } from '../../test/helpers/raw-http.ts';

const NAMES = ['x-api-key', 'X-Api-Key', 'AUTHORIZATION', 'constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty', 'set-cookie', 'Set-Cookie'];

function recorder(into: Array<Record<string, string | null>>): Middleware {
  return Object.freeze<Middleware>({
    name: 'headerProbe',
    handle(req: RequestView) {
      into.push(Object.fromEntries(NAMES.map((n) => [n, req.header(n) ?? null])));
      return undefined;
    },
  });
}

test('every adapter: req.header(name) is case-insensitive, and Object.prototype names are absent headers', async (t) => {
  const seen: Array<Record<string, string | null>> = [];
  await forEachAdapter(
    t,
    () => stack([recorder(seen)]),
    async (server) => {
      seen.length = 0;
      const res = await rawRequest(
        server.url,
        'GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: k1\r\nAuthorization: Bearer t\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: close\r\n\r\n',
      );
      assert.match(res, /^HTTP\/1\.1 200 /, server.adapter);
      assert.deepEqual(
        seen[0],
        Object.fromEntries([
          ['x-api-key', 'k1'],
          ['X-Api-Key', 'k1'],
          ['AUTHORIZATION', 'Bearer t'],
          ['constructor', null],
          ['toString', null],
          ['valueOf', null],
          ['__proto__', null],
          ['hasOwnProperty', null],
          ['set-cookie', 'a=1, b=2'],
          ['Set-Cookie', 'a=1, b=2'],
        ]),
        server.adapter,
      );
    },
  );
});

test("every adapter: csrf({ apiKeyHeader: ['constructor'] }) refuses a cookie-less POST with 403, not 500", async (t) => {
  await forEachAdapter(
    t,
    () => stack([csrf({ secret: randomBytes(32).toString('base64'), apiKeyHeader: ['constructor'] })]),
    async (server) => {
      const res = await rawRequest(
        server.url,
        'POST /p HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      assert.match(res, /^HTTP\/1\.1 403 /, server.adapter);
    },
  );
});
