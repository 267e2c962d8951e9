/**
 * The frameworks' in-process request APIs (fastify.inject, Hono's app.request) go
 * through rampart exactly like real sockets do.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { rampart } from '../../src/preset.ts';
import { cspNonce, csrfToken } from '../../src/index.ts';

const options = {
  headers: { csp: { nonce: true } },
  cors: { origins: ['https://app.example.com'] },
  csrf: { secret: 'ay94LYfOTnKqJG3dFVS1IPKJqfQWraSWhDQl8TvBo3TmWUWy' },
  rateLimit: { maxRequests: 3, window: 60 },
  log: false as const,
};

test('fastify.inject through the preset', async () => {
  const shield = rampart(options);
  const app = Fastify();
  await app.register(shield.fastify());
  app.get('/', async (request) => ({ nonce: cspNonce(request), token: csrfToken(request) }));
  app.post('/', async () => ({ posted: true }));
  const first = await app.inject({ method: 'GET', url: '/', headers: { origin: 'https://app.example.com' } });
  assert.equal(first.statusCode, 200);
  const body = first.json() as { nonce: string; token: string };
  assert.match(first.headers['content-security-policy'] as string, new RegExp(`'nonce-${body.nonce.replace(/[+/=]/g, '\\$&')}'`));
  assert.equal(first.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.ok(body.token.length > 40);
  const cookie = String(first.headers['set-cookie']).split(';')[0]!;
  const denied = await app.inject({ method: 'POST', url: '/', headers: { cookie, 'content-type': 'application/json' }, payload: '{}' });
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.headers['x-frame-options'], 'DENY');
  const allowed = await app.inject({
    method: 'POST',
    url: '/',
    headers: { cookie, 'x-csrf-token': body.token, 'content-type': 'application/json' },
    payload: '{}',
  });
  assert.equal(allowed.statusCode, 200);
  const limited = await app.inject({ method: 'GET', url: '/' });
  assert.equal(limited.statusCode, 429);
  await app.close();
  await shield.close();
});

test("Hono's app.request through the preset", async () => {
  const shield = rampart(options);
  const app = new Hono();
  // app.request() has no socket: without clientIp the per-client rate limit refuses to run.
  const bare = new Hono();
  bare.use(shield.hono());
  bare.get('/', (c) => c.text('ok'));
  bare.onError((err, c) => c.text(String((err as { code?: string }).code), 500));
  assert.equal(await (await bare.request('/')).text(), 'ERR_RAMPART_CONFIG');
  app.use(shield.hono({ clientIp: () => '203.0.113.5' }));
  app.get('/', (c) => c.json({ nonce: cspNonce(c), token: csrfToken(c) }));
  app.post('/', (c) => c.json({ posted: true }));
  const first = await app.request('/', { headers: { origin: 'https://app.example.com' } });
  assert.equal(first.status, 200);
  const body = (await first.json()) as { nonce: string; token: string };
  assert.ok(first.headers.get('content-security-policy')!.includes(`'nonce-${body.nonce}'`));
  assert.equal(first.headers.get('access-control-allow-origin'), 'https://app.example.com');
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const denied = await app.request('/', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(denied.status, 403);
  const allowed = await app.request('/', { method: 'POST', headers: { cookie, 'x-csrf-token': body.token, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(allowed.status, 200);
  assert.equal((await app.request('/')).status, 429);
  await shield.close();
});
