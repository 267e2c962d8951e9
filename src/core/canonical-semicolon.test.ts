/**
 * Fastify's `useSemicolonDelimiter: true` (and servlet-style routers) end the path at `;`:
 * `/checkout;x` runs the `/checkout` route. A path rule must cover it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { stack } from '../stack/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { requireSignedRequest } from '../auth/signing/hmac-request.ts';

const SECRET = 'signing-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';

test('Fastify useSemicolonDelimiter: a signed path and a rate-limit rule cover /path;params', async () => {
  const shield = stack([
    rateLimit({ maxRequests: 1000, window: 60, rules: [{ match: { method: 'POST', path: '/checkout' }, maxRequests: 2, window: 60 }] }),
    requireSignedRequest({ secret: SECRET, paths: '/api/keys' }),
  ]);
  const app = Fastify({ routerOptions: { useSemicolonDelimiter: true } } as never);
  await app.register(shield.fastify());
  app.get('/api/keys', async () => 'SECRET-KEY-LIST');
  app.post('/checkout', async () => 'CHECKOUT');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const unsigned = await fetch(`${url}/api/keys;x`);
    assert.equal(unsigned.status, 401, await unsigned.text());
    let handled = 0;
    for (const path of ['/checkout;a', '/checkout;b', '/checkout;c', '/checkout;']) {
      const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      if ((await r.text()) === 'CHECKOUT') handled++;
    }
    assert.equal(handled, 2, 'the rule allows 2 checkouts');
  } finally {
    await app.close();
    await shield.close();
  }
});
