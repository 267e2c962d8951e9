// A rate limit keyed by something other than the client address (an API key, a user id)
// does not need one: rateLimit declares clientKeyed: false, so the fetch and Hono adapters
// run it on Workers without a clientIp option. Keyed by address (the default key, or an
// allowlist, which matches addresses) it declares true and such a stack still refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { stack } from '../stack/index.ts';
import { blocklist } from '../abuse/index.ts';
import { clientKeyedMiddleware } from '../client-ip/address.ts';
import { isRampartError, type RampartError } from '../errors.ts';
import { rateLimit } from './index.ts';

const env = { SECRET: 'x' };
const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined };
const silent = { emit: () => undefined };
const byApiKey = (req: { header(name: string): string | undefined }): string => req.header('x-api-key') ?? '';
const withKey = (k: string): Request => new Request('https://app.example/', { headers: { 'x-api-key': k } });
const isMissingAddress = (e: unknown): boolean => isRampartError(e, 'ERR_RAMPART_CONFIG') && /clientIp/.test((e as RampartError).message);

test('rateLimit declares clientKeyed: false with its own key and no allowlist, true otherwise', async () => {
  const cases: Array<[Parameters<typeof rateLimit>[0], boolean]> = [
    [{}, true],
    [{ key: byApiKey }, false],
    [{ key: byApiKey, allowlist: ['10.0.0.0/8'] }, true],
    [{ allowlist: ['10.0.0.0/8'] }, true],
    // A key that falls back to the address declares it.
    [{ key: Object.assign((req: { ip: string }) => `ip:${req.ip}`, { clientKeyed: true }) }, true],
  ];
  for (const [options, keyed] of cases) {
    const m = rateLimit(options);
    assert.equal(m.clientKeyed, keyed, JSON.stringify(options));
    assert.deepEqual(clientKeyedMiddleware([m]), keyed ? ['rateLimit'] : []);
    await m.close();
  }
});

test('Workers-style fetch call without an address: a limit keyed by API key runs and limits per key', async () => {
  const shield = stack([rateLimit({ maxRequests: 1, window: 60, key: byApiKey })], { events: silent });
  const handler = shield.fetch(() => new Response('ok'));
  assert.equal((await handler(withKey('k1'), env, ctx)).status, 200);
  assert.equal((await handler(withKey('k2'), env, ctx)).status, 200, 'another key is not limited by the first');
  assert.equal((await handler(withKey('k1'), env, ctx)).status, 429);
  // No key at all: the key function returns '' → refused (fail closed), never a shared key.
  assert.equal((await handler(new Request('https://app.example/'), env, ctx)).status, 500);
  await shield.close();
});

test('Hono on Workers without an address: a limit keyed by API key runs', async () => {
  const shield = stack([rateLimit({ maxRequests: 1, window: 60, key: byApiKey })], { events: silent });
  const app = new Hono();
  app.use(shield.hono());
  app.get('/', (c) => c.text('ok'));
  assert.equal((await app.fetch(withKey('a'), env, ctx as never)).status, 200);
  assert.equal((await app.fetch(withKey('a'), env, ctx as never)).status, 429);
  assert.equal((await app.fetch(withKey('b'), env, ctx as never)).status, 200);
  await shield.close();
});

test('still refused without an address when something keys by client (allowlist, or a blocklist beside it)', async () => {
  const userOrIp = Object.assign((req: { ip: string; header(n: string): string | undefined }) => req.header('x-user') ?? `ip:${req.ip}`, { clientKeyed: true });
  for (const chain of [
    [rateLimit({ key: byApiKey, allowlist: ['10.0.0.0/8'] })],
    [blocklist(), rateLimit({ key: byApiKey })],
    [rateLimit({ key: userOrIp })],
  ]) {
    const shield = stack(chain, { events: silent });
    await assert.rejects(async () => shield.fetch(() => new Response('ok'))(withKey('k'), env, ctx), isMissingAddress);
    await shield.close();
  }
});

test('userOrIpKey falls back to the address: a limiter keyed by it keys by client (Workers without clientIp refused, not one shared "ip:" key)', async () => {
  const { userOrIpKey } = await import('./user-or-ip.ts');
  const m = rateLimit({ key: userOrIpKey });
  assert.equal(m.clientKeyed, true);
  await m.close();
  const shield = stack([rateLimit({ maxRequests: 1, window: 60, key: userOrIpKey })], { events: silent });
  await assert.rejects(async () => shield.fetch(() => new Response('ok'))(new Request('https://app.example/'), env, ctx), isMissingAddress);
  await shield.close();
});
