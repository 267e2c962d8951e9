/**
 * Fastify `rewriteUrl` into a URL that reads as the same canonical path but is another string
 * (`//public/x`, `/./public/x`, `/PUBLIC/x`): find-my-way routes those strings apart from
 * `/public/x`, so an exemption of the sent path must not apply (the rewritten path is compared
 * with the sent one exactly, not after canonicalisation).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { stack } from '../stack/index.ts';
import { csrf } from '../csrf/index.ts';

test('Fastify rewriteUrl: a rewrite into "//public/x", "/./public/x" or "/PUBLIC/x" gets the full CSRF check', async () => {
  const shield = stack([csrf({ mode: 'origin', exemptPaths: ['/public/'] })], { events: { emit: () => undefined } });
  const app = Fastify({
    rewriteUrl: (req) => {
      const to = req.headers['x-rewrite'];
      return typeof to === 'string' ? to : (req.url ?? '/');
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(shield.fastify());
  app.post('/public/:id', async () => 'public');
  app.post('/*', async (req) => `other ${req.url}`);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const post = async (headers: Record<string, string>): Promise<[number, string]> => {
    const response = await fetch(`${url}/public/x`, {
      method: 'POST',
      headers: { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain', ...headers },
      body: 'x',
    });
    return [response.status, await response.text()];
  };
  try {
    assert.deepEqual(await post({}), [200, 'public']);
    for (const to of ['//public/x', '/./public/x', '/PUBLIC/x']) {
      const [status, body] = await post({ 'x-rewrite': to });
      assert.equal(status, 403, `${to}: ${body}`);
    }
  } finally {
    await app.close();
    await shield.close();
  }
});
