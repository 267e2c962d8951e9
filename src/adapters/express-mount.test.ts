/**
 * A shield inside an Express sub-app judges the whole path the client sent (req.originalUrl),
 * as Fastify prefixes and Hono mounts do: a '/sub/login' rule limits POST /sub/login.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { stack } from '../stack/index.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { viewOf } from '../core/registry.ts';
import { listenLoopback } from '../../test/helpers/listen.ts';

test('Express sub-app: rules match the whole path (req.originalUrl), not the path under the mount', async () => {
  const shield = stack([
    rateLimit({ maxRequests: 100, window: 60, rules: [{ match: { method: 'POST', path: '/sub/login' }, maxRequests: 1, window: 60, name: 'login' }] }),
  ]);
  const sub = express();
  sub.use(shield.express());
  const seen: string[] = [];
  sub.post('/login', (req, res) => {
    seen.push(String(viewOf(req)?.path));
    res.send('ok');
  });
  const app = express();
  app.use('/sub', sub);
  const server = await listenLoopback(app);
  const url = `${server.url}/sub/login`;
  try {
    assert.equal((await fetch(url, { method: 'POST' })).status, 200);
    assert.equal((await fetch(url, { method: 'POST' })).status, 429, 'the /sub/login rule applies inside the sub-app');
    assert.deepEqual(seen, ['/sub/login']);
  } finally {
    await server.close();
  }
});
