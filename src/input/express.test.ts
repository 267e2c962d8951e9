/**
 * Express 5 specifics: `req.query` is a getter (mutating sanitisers are silent no-ops
 * there), and express.json() must still see the body after rampart read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { stack } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { inputGuard, validate, validatedInput } from './index.ts';

test('Express 5: guard + validate before express.json(); req.query and req.body untouched', async (t) => {
  const events: SecurityEventRecord[] = [];
  const shield = stack(
    [inputGuard({ mode: 'monitor' }), validate({ body: z.object({ q: z.string().max(200) }), query: z.object({ page: z.coerce.number() }) })],
    {
      events: { emit: (r) => void events.push(r) },
    },
  );
  const app = express();
  app.use(shield.express());
  app.use(express.json());
  app.post('/search', (req, res) => {
    res.json({ query: req.query, body: req.body, validated: validatedInput(req) });
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const payload = "x' UNION SELECT password FROM users --";
  const res = await fetch(`${url}/search?page=3`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: payload }) });
  assert.equal(res.status, 200);
  const out = (await res.json()) as { query: unknown; body: unknown; validated: unknown };
  assert.deepEqual(out.query, { page: '3' }, 'Express still parses its own query');
  assert.deepEqual(out.body, { q: payload }, 'express.json() still reads the body; nothing was rewritten');
  assert.deepEqual(out.validated, { query: { page: 3 }, body: { q: payload } });
  assert.equal(events.length, 1);
  assert.match(events[0]!.detail!, /rule=sqli_union_select type=sqli in=body\.q/);
  await shield.close();
});
