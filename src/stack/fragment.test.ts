/**
 * A request target never carries a fragment (RFC 9112 §3.2), but node's parser accepts one
 * and every router drops it: `POST /login#1` reaches the `/login` handler. Matched on the raw
 * text, a `/login` rule missed it (found by the black-box attack pass). Such targets get 400.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { stack } from './index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

test('a "#" in the request path is refused with 400 before any path rule (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () =>
      stack([rateLimit({ maxRequests: 1000, window: 60, rules: [{ match: '/login', maxRequests: 1, window: 60 }] })], { events: { emit: () => undefined } }),
    async (app) => {
      const send = async (target: string): Promise<number> =>
        statusOf(await rawRequest(app.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
      assert.equal(await send('/login#1'), 400);
      assert.equal(await send('/login#2'), 400);
      assert.equal(await send('/log%69n#x'), 400);
      assert.equal(await send('/login'), 200);
      assert.equal(await send('/login'), 429, 'the rule still counts the plain path');
      assert.equal(await send('/search?q=a#b'), 200, 'a "#" in the query is the app\'s to read');
    },
  );
});
