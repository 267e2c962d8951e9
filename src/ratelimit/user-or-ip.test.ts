/** Issue 15: rate limits keyed by user when authenticated, else by IP (seed 001's get_rate_limit_key). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { rateLimit } from './index.ts';
import { userOrIpKey } from './user-or-ip.ts';
import { rampart } from '../preset.ts';
import type { Middleware } from '../core/types.ts';
import { forEachAdapter } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

/** The app's auth: `x-user: <id>` stands for a verified session. */
const appAuth: Middleware = Object.freeze<Middleware>({
  name: 'appAuth',
  handle(req) {
    const user = req.header('x-user');
    if (user !== undefined) req.locals.user = { id: Number(user) };
  },
});

test('userOrIpKey: each authenticated user has a bucket; anonymous clients share their IP bucket (every adapter)', async (t) => {
  await forEachAdapter(
    t,
    () => stack([appAuth, rateLimit({ maxRequests: 1, window: 60, key: userOrIpKey })]),
    async (app) => {
      const get = async (headers: Record<string, string> = {}): Promise<number> => {
        const r = await fetch(`${app.url}/x`, { headers });
        await r.arrayBuffer();
        return r.status;
      };
      assert.equal(await get({ 'x-user': '1' }), 200);
      assert.equal(await get({ 'x-user': '1' }), 429, 'user 1 used its budget');
      assert.equal(await get({ 'x-user': '2' }), 200, 'user 2 from the same address has its own');
      assert.equal(await get(), 200, 'anonymous: keyed by IP');
      assert.equal(await get(), 429);
    },
  );
});

test('userOrIpKey: keys by user, else by IP (IPv6 per /64); available as the preset rateLimit key', async () => {
  const view = (locals: Record<string, unknown>, ip: string, raw: unknown = {}) => ({ locals, ip, raw }) as unknown as Parameters<typeof userOrIpKey>[0];
  assert.equal(userOrIpKey(view({ user: { id: 42 } }, '203.0.113.9')), 'u:number:42');
  assert.equal(userOrIpKey(view({}, '203.0.113.9', { user: { id: 'alice' } })), 'u:string:alice');
  assert.equal(userOrIpKey(view({}, '2001:db8:1:2:3:4:5:6')), userOrIpKey(view({}, '2001:db8:1:2:ffff::1')));
  assert.notEqual(userOrIpKey(view({}, '203.0.113.9')), userOrIpKey(view({ user: { id: 1 } }, '203.0.113.9')));
  const shield = rampart({ rateLimit: { key: userOrIpKey }, log: false });
  await shield.close();
});
