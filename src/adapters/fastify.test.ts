import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { rampart } from '../preset.ts';
import { stack } from '../stack/index.ts';
import { securityHeaders } from '../headers/index.ts';
import { cors } from '../cors/index.ts';
import { compression } from '../compression/index.ts';

const ORIGIN = 'https://app.example';

test("fastify: rampart's headers go into the reply's own headers (no validated setHeader per header on the raw response)", async () => {
  const shield = rampart({ log: false, cors: { origins: [ORIGIN] }, allowedHosts: ['localhost'] });
  const app = Fastify();
  const rawSets: string[] = [];
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw as ServerResponse;
    const original = raw.setHeader;
    raw.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
      rawSets.push(name.toLowerCase());
      return original.call(this, name, value);
    } as ServerResponse['setHeader'];
    done();
  });
  await app.register(shield.fastify());
  let seenInHandler: unknown;
  let setsBeforeHandler: string[] = [];
  let rawNames: string[] = [];
  app.get('/', (_request, reply) => {
    setsBeforeHandler = [...rawSets];
    rawNames = reply.raw.getHeaderNames();
    seenInHandler = reply.getHeader('x-content-type-options');
    reply.header('content-type', 'application/json').send('{"ok":true}');
  });
  const res = await app.inject({ url: '/', headers: { origin: ORIGIN } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
  assert.ok(String(res.headers['content-security-policy']).includes("default-src 'self'"));
  assert.equal(seenInHandler, 'nosniff', 'the handler reads rampart headers back with reply.getHeader()');
  assert.deepEqual(rawNames, [], "nothing on the raw response's header map: Fastify writes its head in one validated pass");
  const rampartSets = setsBeforeHandler.filter(
    (n) => n.startsWith('x-') || n.startsWith('content-security') || n.startsWith('access-control') || n.startsWith('ratelimit'),
  );
  assert.deepEqual(rampartSets, [], 'rampart wrote no plain header through raw.setHeader before the handler');
  await app.close();
});

test('fastify: the handler wins with reply.header() and can drop a rampart header with reply.removeHeader(); Vary combines', async () => {
  const shield = stack([securityHeaders(), cors({ origins: [ORIGIN] }), compression()]);
  const app = Fastify();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('vary', 'Cookie'); // an earlier hook's Vary is kept and extended
    done();
  });
  await app.register(shield.fastify());
  app.get('/', (_request, reply) => {
    reply.header('x-frame-options', 'SAMEORIGIN');
    reply.removeHeader('cross-origin-opener-policy');
    reply.header('content-type', 'text/plain').send('hi');
  });
  const res = await app.inject({ url: '/', headers: { origin: ORIGIN, 'accept-encoding': 'gzip' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(res.headers['cross-origin-opener-policy'], undefined);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.deepEqual(String(res.headers.vary).split(/,\s*/).sort(), ['Accept-Encoding', 'Cookie', 'Origin'].sort());
  assert.equal(res.body, 'hi');
  await app.close();
});

test('fastify: a stack answer (400 bad host) carries the security headers; a large body is compressed', async () => {
  const shield = rampart({ log: false, allowedHosts: ['example.com'] });
  const app = Fastify();
  await app.register(shield.fastify());
  const big = 'x'.repeat(5000);
  app.get('/', (_request, reply) => {
    reply.header('content-type', 'text/plain').send(big);
  });
  const bad = await app.inject({ url: '/', headers: { host: 'evil.test' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.headers['x-content-type-options'], 'nosniff');
  const good = await app.inject({ url: '/', headers: { host: 'example.com', 'accept-encoding': 'gzip' } });
  assert.equal(good.statusCode, 200);
  assert.equal(good.headers['content-encoding'], 'gzip');
  assert.equal(good.headers['x-content-type-options'], 'nosniff');
  await app.close();
});

test("fastify: rampart's headers become the reply's record in one copy (no reply.header() call per header); the app still reads, replaces and removes them", async () => {
  const shield = rampart({ log: false, cors: { origins: [ORIGIN] }, allowedHosts: ['localhost'] });
  const app = Fastify();
  const headerCalls: string[] = [];
  app.addHook('onRequest', (_request, reply, done) => {
    // Count reply.header() calls made before the route (rampart's hook runs after this one).
    const original = reply.header;
    reply.header = function (this: typeof reply, name: string, value: unknown) {
      headerCalls.push(name);
      return original.call(this, name, value);
    } as typeof reply.header;
    done();
  });
  await app.register(shield.fastify());
  let callsBeforeHandler: string[] = [];
  let seen: unknown[] = [];
  app.get('/', (_request, reply) => {
    callsBeforeHandler = [...headerCalls];
    seen = [reply.getHeader('x-frame-options'), reply.hasHeader('access-control-allow-origin'), reply.getHeader('vary')];
    reply.header('X-Frame-Options', 'SAMEORIGIN');
    reply.removeHeader('cross-origin-opener-policy');
    reply.header('content-type', 'text/plain').send('hi');
  });
  for (let round = 0; round < 3; round++) {
    headerCalls.length = 0;
    const res = await app.inject({ url: '/', headers: { origin: ORIGIN } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(callsBeforeHandler, [], 'no reply.header() per rampart header');
    assert.deepEqual(seen, ['DENY', true, 'Origin, Accept-Encoding']);
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(res.headers['cross-origin-opener-policy'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(res.body, 'hi');
  }
  // Without Origin the head has other names (no CORS header): still right.
  const plain = await app.inject({ url: '/' });
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
  assert.equal(plain.headers['x-content-type-options'], 'nosniff');
  await app.close();
});
