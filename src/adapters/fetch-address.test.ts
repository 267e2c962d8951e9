/**
 * The fetch adapter never lets clients share one key: when the runtime gives no client
 * address (Cloudflare Workers' `fetch(request, env, ctx)`) and something in the stack keys
 * by client, the request fails with ERR_RAMPART_CONFIG naming the `clientIp` option.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { stack } from '../stack/index.ts';
import { rampart } from '../preset.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { blocklist, loginGuard } from '../abuse/index.ts';
import { cspReport } from '../csp/index.ts';
import { securityHeaders } from '../headers/index.ts';
import { viewOf } from '../core/registry.ts';
import { isRampartError, type RampartError } from '../errors.ts';

const ok = (request: Request): Response => Response.json({ ip: viewOf(request)?.ip ?? null });
/** What Workers pass after the request: bindings and an execution context. */
const env = { DB: {}, SECRET: 'x' };
const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined };
const silent = { emit: () => undefined };

const isMissingAddress = (e: unknown): boolean =>
  isRampartError(e, 'ERR_RAMPART_CONFIG') && /clientIp/.test((e as RampartError).message) && /CF-Connecting-IP/i.test((e as RampartError).message);

test('Workers-style call with a rate limit: ERR_RAMPART_CONFIG naming clientIp, never a shared key', async () => {
  const shield = stack([rateLimit({ maxRequests: 1, window: 60 })], { events: silent });
  const handler = shield.fetch(ok);
  await assert.rejects(async () => handler(new Request('https://app.example/'), env, ctx), isMissingAddress);
  // Still refused: a second client is not answered 429 on the first client's account.
  await assert.rejects(async () => handler(new Request('https://app.example/'), env, ctx), isMissingAddress);
  await shield.close();
});

test('Workers-style call with a blocklist: ERR_RAMPART_CONFIG', async () => {
  const shield = stack([blocklist()], { events: silent });
  await assert.rejects(async () => shield.fetch(ok)(new Request('https://app.example/'), env, ctx), isMissingAddress);
  await shield.close();
});

test('Workers-style call with the CSP report endpoint (per-client report limit): ERR_RAMPART_CONFIG', async () => {
  const shield = stack([cspReport()], { events: silent });
  const report = new Request('https://app.example/csp-report', {
    method: 'POST',
    headers: { 'content-type': 'application/csp-report' },
    body: '{"csp-report":{"violated-directive":"script-src"}}',
  });
  await assert.rejects(async () => shield.fetch(ok)(report, env, ctx), isMissingAddress);
  await shield.close();
});

test('loginGuard without a client address refuses instead of sharing one key', async () => {
  const guard = loginGuard();
  for (const ip of ['', undefined as unknown as string]) {
    await assert.rejects(
      async () => guard.check(ip, 'alice'),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
    await assert.rejects(
      async () => guard.fail(ip, 'alice'),
      (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
    );
  }
  assert.equal((await guard.check('203.0.113.9', 'alice')).allowed, true);
});

test('the preset (rate limit and blocklist on by default) on Workers: ERR_RAMPART_CONFIG', async () => {
  const shield = rampart({ log: false });
  await assert.rejects(async () => shield.fetch(ok)(new Request('https://app.example/'), env, ctx), isMissingAddress);
  await assert.rejects(async () => shield.fetch(ok)(new Request('https://app.example/')), isMissingAddress);
  await shield.close();
});

test('clientIp option: each client has its own key', async () => {
  const shield = stack([rateLimit({ maxRequests: 1, window: 60 })], { events: silent });
  const handler = shield.fetch(ok, { clientIp: (request) => request.headers.get('cf-connecting-ip') ?? undefined });
  const from = (ip: string): Request => new Request('https://app.example/', { headers: { 'cf-connecting-ip': ip } });
  const a = await handler(from('203.0.113.1'), env, ctx);
  assert.equal(a.status, 200);
  assert.deepEqual(await a.json(), { ip: '203.0.113.1' });
  assert.equal((await handler(from('203.0.113.2'), env, ctx)).status, 200, 'another client is not limited by the first');
  assert.equal((await handler(from('203.0.113.1'), env, ctx)).status, 429);
  assert.equal((await handler(from('2001:db8::1'), env, ctx)).status, 200);
  // The function found nothing (header absent) or garbage: refused, not keyed as "unknown".
  await assert.rejects(async () => handler(new Request('https://app.example/'), env, ctx), isRampartError);
  await assert.rejects(async () => handler(from('not an address'), env, ctx), isRampartError);
  await shield.close();
});

test('Bun and Deno second arguments still give the address', async () => {
  const shield = stack([rateLimit({ maxRequests: 1, window: 60 })], { events: silent });
  const handler = shield.fetch(ok);
  const bun = (ip: string) => ({ requestIP: () => ({ address: ip, family: 'IPv4', port: 1234 }) });
  const deno = (ip: string) => ({ remoteAddr: { transport: 'tcp', hostname: ip, port: 1234 } });
  assert.equal((await handler(new Request('http://a/'), bun('198.51.100.1'))).status, 200);
  assert.equal((await handler(new Request('http://a/'), bun('198.51.100.2'))).status, 200);
  assert.equal((await handler(new Request('http://a/'), bun('198.51.100.1'))).status, 429);
  assert.equal((await handler(new Request('http://a/'), deno('198.51.100.3'))).status, 200);
  assert.equal((await handler(new Request('http://a/'), deno('198.51.100.3'))).status, 429);
  // Bun on a unix socket: requestIP() is null.
  await assert.rejects(async () => handler(new Request('http://a/'), { requestIP: () => null }), isMissingAddress);
  await shield.close();
});

test('a stack that keys nothing by client runs without an address', async () => {
  const shield = stack([securityHeaders()], { events: silent });
  const res = await shield.fetch(ok)(new Request('https://app.example/'), env, ctx);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ip: '' });
  await shield.close();
});

test('Hono on Workers (c.env is the bindings): the same error', async () => {
  const shield = stack([rateLimit({ maxRequests: 5, window: 60 })], { events: silent });
  const app = new Hono();
  let caught: unknown;
  app.onError((error) => {
    caught = error;
    return new Response('error', { status: 500 });
  });
  app.use(shield.hono());
  app.get('/', (c) => c.text('ok'));
  const res = await app.fetch(new Request('https://app.example/'), env, ctx as never);
  assert.equal(res.status, 500);
  assert.ok(isRampartError(caught, 'ERR_RAMPART_CONFIG'), String(caught));
  assert.match((caught as Error).message, /address/);
  await shield.close();
});

test('fetch adapter options are checked', () => {
  const shield = stack([], { events: silent });
  assert.throws(
    () => shield.fetch(ok, { clientIP: () => '1.2.3.4' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  assert.throws(
    () => shield.fetch(ok, { clientIp: 'cf-connecting-ip' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => shield.fetch(ok, { clientIp: () => '1.2.3.4', address: () => '1.2.3.4' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
});
