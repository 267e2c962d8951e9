import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { randomBytes } from 'node:crypto';
import { requireWebhook, signWebhook } from './index.ts';
import { stack } from '../../stack/index.ts';

const secret = new Uint8Array(randomBytes(32));

test('webhook behind express.json(): a clear 500 naming the fix, not a bare 401', async () => {
  const shield = stack([requireWebhook({ provider: 'standard', secret })]);
  const app = express();
  app.use(express.json()); // the mistake: the parser consumed the raw body before rampart
  app.use(shield.express());
  app.post('/hook', (_req, res) => res.send('ok'));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (message: string) => warnings.push(String(message));
  try {
    const body = JSON.stringify({ action: 'opened' });
    const headers = signWebhook({ secret, id: 'msg_1', body });
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    assert.equal(response.status, 500);
    assert.match(await response.text(), /consumed/);
    assert.ok(
      warnings.some((w) => /express\.json\(\)|express\.raw/.test(w) && /before/.test(w)),
      `a warning naming the fix, got ${JSON.stringify(warnings)}`,
    );
  } finally {
    console.warn = original;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
