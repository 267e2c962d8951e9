// A rule scoped to GET also counts HEAD: Express, Fastify and Hono run the GET handler for
// HEAD, so a HEAD request is a GET without the body (its status code alone can be an oracle,
// e.g. brute-forcing a code at /admin?code=N). Found by the black-box attack pass (a19).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { echoApp, forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';
import type { RequestView } from '../core/types.ts';
import { compileMatch } from './rules.ts';
import { rateLimit } from './index.ts';

const T0 = 60_000 * 16_666_667;

test('a { method: "GET" } rule also limits HEAD, through every adapter (the handler runs at most the limit)', async (t) => {
  let ran = 0;
  const app: TestApp = (req) => {
    if (req.path === '/admin') ran++;
    return echoApp(req);
  };
  await forEachAdapter(
    t,
    () => {
      ran = 0;
      return stack([
        rateLimit({ maxRequests: 1000, window: 60, now: () => T0, rules: [{ match: { method: 'GET', path: '/admin' }, maxRequests: 3, window: 60 }] }),
      ]);
    },
    async (server) => {
      const get = await fetch(`${server.url}/admin?code=0`);
      assert.equal(get.status, 200);
      const heads: number[] = [];
      for (let i = 1; i <= 6; i++) heads.push((await fetch(`${server.url}/admin?code=${i}`, { method: 'HEAD' })).status);
      assert.deepEqual(heads, [200, 200, 429, 429, 429, 429], "HEAD shares the GET rule's counter");
      assert.equal((await fetch(`${server.url}/admin?code=9`)).status, 429, 'and GET is refused once HEAD used the quota');
      assert.equal(ran, 3, `the handler ran ${ran} times under a rule capped at 3`);
      // Other methods are not the GET rule: only the global limit counts them.
      assert.equal((await fetch(`${server.url}/admin`, { method: 'POST', body: 'x' })).status, 200);
    },
    app,
  );
});

test('compileMatch: GET (alone or in a list) covers HEAD; HEAD alone does not cover GET; other methods unchanged', () => {
  const view = (method: string, path = '/a'): RequestView => ({ method, path, url: path, header: () => undefined }) as unknown as RequestView;
  const get = compileMatch({ method: 'get', path: '/a' }, 'm');
  assert.equal(get(view('HEAD')), true);
  assert.equal(get(view('head')), true);
  assert.equal(get(view('GET')), true);
  assert.equal(get(view('POST')), false);
  const list = compileMatch({ method: ['POST', 'GET'] }, 'm');
  assert.equal(list(view('HEAD', '/b')), true);
  const head = compileMatch({ method: 'HEAD', path: '/a' }, 'm');
  assert.equal(head(view('GET')), false);
  const post = compileMatch({ method: 'POST', path: '/a' }, 'm');
  assert.equal(post(view('HEAD')), false);
});
