/**
 * Issue 15, "Events know who": middleware events and logFromRequest carry the user that
 * rampart's own auth established (requireJwt, requireApiKey, sessions → req.locals.user)
 * or the app's `req.user`; numeric ids are kept. Through every adapter.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { stack } from '../stack/index.ts';
import { createJwt, requireJwt } from '../auth/jwt/index.ts';
import { requirePermission } from '../auth/rbac/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import type { Middleware, SecurityEventRecord } from '../core/types.ts';
import { requestFields } from './request.ts';
import { forEachAdapter, type TestApp } from '../../test/helpers/adapters.ts';

process.env.RAMPART_SILENT = '1';

const jwt = createJwt({ algorithm: 'HS256', secret: 'an-hmac-secret-that-is-long-enough-0123456789', issuer: 'https://id.example', audience: 'api' });

/** What the app would log with logFromRequest: the fields taken from the request. */
const fieldsApp: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(requestFields(req.native)),
});

test('after requireJwt, middleware events and logFromRequest carry the token subject (every adapter)', async (t) => {
  let events: SecurityEventRecord[] = [];
  const token = await jwt.sign({ sub: 'u-17' });
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack([requireJwt({ jwt }), rateLimit({ maxRequests: 1, window: 60 })], { events: { emit: (r) => void events.push(r) } });
    },
    async (app) => {
      const headers = { authorization: `Bearer ${token}` };
      const first = await fetch(`${app.url}/me`, { headers });
      assert.equal(first.status, 200);
      assert.equal(((await first.json()) as { userId?: unknown }).userId, 'u-17', 'logFromRequest fields');
      const second = await fetch(`${app.url}/me`, { headers });
      assert.equal(second.status, 429);
      await second.arrayBuffer();
      const limited = events.find((e) => e.event === 'RATE_LIMIT_HIT');
      assert.ok(limited, JSON.stringify(events));
      assert.equal(limited.userId, 'u-17');
    },
    fieldsApp,
  );
});

/** An app's own authentication (numeric ids from a database). */
const numericUser: Middleware = Object.freeze<Middleware>({
  name: 'appAuth',
  handle(req) {
    req.locals.user = { id: 42, permissions: ['posts:read'] };
  },
});

test('numeric user ids are kept: requirePermission events and logFromRequest (every adapter)', async (t) => {
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack([numericUser, requirePermission('posts:write')], { events: { emit: (r) => void events.push(r) } });
    },
    async (app) => {
      const r = await fetch(`${app.url}/posts`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      assert.equal(r.status, 403);
      await r.arrayBuffer();
      const denied = events.find((e) => e.event === 'PERMISSION_DENIED');
      assert.ok(denied, JSON.stringify(events));
      assert.equal(denied.userId, 42);
    },
  );
  await forEachAdapter(
    t,
    () => stack([numericUser]),
    async (app) => {
      const r = await fetch(`${app.url}/posts`);
      assert.equal(((await r.json()) as { userId?: unknown }).userId, 42);
    },
    fieldsApp,
  );
});
