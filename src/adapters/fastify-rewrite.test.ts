/**
 * Fastify `rewriteUrl` changes the URL its router dispatches on before the onRequest hook
 * runs. rampart must judge the request by the handler that runs (the rewritten URL) and
 * still by the URL the client sent: a rule that names either reading applies, an exemption
 * applies only while both readings agree, and a signature covers the target as sent.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { stack } from '../stack/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { requireSignedRequest, signRequest } from '../auth/signing/hmac-request.ts';
import { csrf } from '../csrf/index.ts';

const SECRET = 'signing-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';

async function start() {
  const shield = stack([
    rateLimit({
      maxRequests: 1000,
      window: 60,
      rules: [
        { match: { method: 'POST', path: '/checkout' }, maxRequests: 2, window: 60 },
        { match: { method: 'POST', path: '/v1/orders' }, maxRequests: 1, window: 60 },
        { match: /^\/legacy$/, maxRequests: 1, window: 60 },
      ],
    }),
    requireSignedRequest({ secret: SECRET, paths: '/api/secure/' }),
    csrf({ mode: 'origin', exemptPaths: ['/public/'] }),
  ]);
  // Strips a version or a public prefix: /v1/checkout and /public/admin run /checkout and /admin.
  const app = Fastify({ rewriteUrl: (req) => (req.url ?? '/').replace(/^\/(?:v1|public)\//, '/') });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await app.register(shield.fastify());
  app.post('/api/secure/pay', async () => 'PAID');
  app.post('/checkout', async () => 'CHECKOUT');
  app.post('/orders', async () => 'ORDER');
  app.post('/admin', async () => 'ADMIN');
  app.post('/legacy', async () => 'LEGACY');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      await app.close();
      await shield.close();
    },
  };
}

function post(url: string, headers: Record<string, string> = {}, body = 'x') {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body });
}

test('Fastify rewriteUrl: a signed path is judged on the URL the router runs', async () => {
  const app = await start();
  try {
    const unsigned = await post(`${app.url}/v1/api/secure/pay`);
    assert.equal(unsigned.status, 401, await unsigned.text());
    // A client signs the target it sends; the signature still verifies.
    const headers = signRequest({ secret: SECRET, method: 'POST', path: '/v1/api/secure/pay', body: 'x' });
    const signed = await post(`${app.url}/v1/api/secure/pay`, headers);
    assert.equal(await signed.text(), 'PAID');
  } finally {
    await app.close();
  }
});

test('Fastify rewriteUrl: a rate-limit rule applies when either the rewritten or the sent URL matches it', async () => {
  const app = await start();
  try {
    const checkout: string[] = [];
    for (let i = 0; i < 4; i++) checkout.push(await (await post(`${app.url}/v1/checkout`)).text());
    assert.equal(checkout.filter((b) => b === 'CHECKOUT').length, 2, 'the /checkout rule covers /v1/checkout');
    const orders: string[] = [];
    for (let i = 0; i < 3; i++) orders.push(await (await post(`${app.url}/v1/orders`)).text());
    assert.equal(orders.filter((b) => b === 'ORDER').length, 1, 'a rule written on the sent URL still applies');
    const legacy: string[] = [];
    for (let i = 0; i < 3; i++) legacy.push(await (await post(`${app.url}/v1/legacy`)).text());
    assert.equal(legacy.filter((b) => b === 'LEGACY').length, 1, 'a RegExp rule matches the rewritten URL');
  } finally {
    await app.close();
  }
});

test('Fastify rewriteUrl: an exemption of the sent URL does not exempt the handler it is rewritten to', async () => {
  const app = await start();
  try {
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    const r = await post(`${app.url}/public/admin`, crossSite);
    assert.equal(r.status, 403, await r.text());
  } finally {
    await app.close();
  }
});
