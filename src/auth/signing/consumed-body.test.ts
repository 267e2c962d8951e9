import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { randomBytes } from 'node:crypto';
import { requireSignedRequest, requireWebhook, signRequest, signWebhook } from './index.ts';
import { stack } from '../../stack/index.ts';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import { bodyLimit, rawBody } from '../../index.ts';

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

/** Capture console.warn lines while `fn` runs (the CONFIG_WARNING's console line). */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const original = console.warn;
  const silent = process.env.RAMPART_SILENT;
  delete process.env.RAMPART_SILENT;
  console.warn = (message: string) => warnings.push(String(message));
  try {
    await fn();
  } finally {
    console.warn = original;
    if (silent !== undefined) process.env.RAMPART_SILENT = silent;
  }
  return warnings;
}

async function postSigned(url: string): Promise<Response> {
  const body = JSON.stringify({ action: 'opened' });
  const headers = signWebhook({ secret, id: `msg_${Math.random()}`, body });
  return fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
}

async function listenNode(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

function closeNode(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Each adapter with the body consumed before rampart, and what its warning must (and must not) name. */
const CONSUMED: Record<string, { setup: () => Promise<{ url: string; close: () => Promise<void> }>; names: RegExp; notNames: RegExp }> = {
  node: {
    async setup() {
      const shield = stack([requireWebhook({ provider: 'standard', secret })]);
      const handler = shield.node((_req, res) => res.end('ok'));
      // The mistake: code in front of the shield's handler reads the body first.
      const server = http.createServer(async (req, res) => {
        for await (const _ of req);
        handler(req, res);
      });
      const url = await listenNode(server);
      return { url, close: () => closeNode(server) };
    },
    names: /node:http/,
    notNames: /express\.|fastify|c\.req/i,
  },
  fastify: {
    async setup() {
      const shield = stack([requireWebhook({ provider: 'standard', secret })]);
      const app = Fastify();
      // The mistake: an earlier onRequest hook drains the raw request before rampart's.
      app.addHook('onRequest', async (request) => {
        for await (const _ of request.raw);
      });
      await app.register(shield.fastify());
      app.post('/hook', async () => 'ok');
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/hook`, close: () => app.close() };
    },
    names: /Fastify/,
    notNames: /express\.|c\.req/,
  },
  hono: {
    async setup() {
      const shield = stack([requireWebhook({ provider: 'standard', secret })]);
      const app = new Hono();
      // The mistake: a middleware parses the JSON body before rampart.
      app.use(async (c, next) => {
        await c.req.json();
        await next();
      });
      app.use(shield.hono());
      app.post('/hook', (c) => c.text('ok'));
      const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => closeNode(server) };
    },
    names: /Hono/,
    notNames: /express\.|Fastify/,
  },
  fetch: {
    async setup() {
      const shield = stack([requireWebhook({ provider: 'standard', secret })]);
      const handler = shield.fetch(() => new Response('ok'));
      // The mistake: the router in front reads the Request before handing it to rampart.
      const server = serveNode({
        fetch: async (request: Request) => {
          await request.text();
          return handler(request);
        },
        port: 0,
        hostname: '127.0.0.1',
      }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => closeNode(server) };
    },
    names: /bodyUsed|fetch/,
    notNames: /express\.|Fastify|c\.req/,
  },
};

for (const [adapter, c] of Object.entries(CONSUMED)) {
  test(`webhook with the body consumed before rampart on ${adapter}: 500 and a warning naming the ${adapter} fix (not a bare 401)`, async () => {
    const app = await c.setup();
    let response: Response | undefined;
    let text = '';
    try {
      const warnings = await warningsDuring(async () => {
        response = await postSigned(app.url);
        text = await response.text();
      });
      assert.equal(response!.status, 500, text);
      assert.match(text, /consumed/);
      const mine = warnings.filter((w) => /requireWebhook/.test(w));
      assert.equal(mine.length, 1, JSON.stringify(warnings));
      assert.match(mine[0]!, c.names);
      assert.doesNotMatch(mine[0]!, c.notNames);
    } finally {
      await app.close();
    }
  });
}

test('Express: express.raw() mounted before rampart keeps the exact bytes in req.body, and requireWebhook verifies them', async () => {
  const shield = stack([requireWebhook({ provider: 'standard', secret })]);
  const app = express();
  app.use('/hook', express.raw({ type: 'application/json' }));
  app.use(shield.express());
  app.post('/hook', (req, res) => {
    res.send(`ok ${Buffer.isBuffer(req.body) ? req.body.length : -1} ${Buffer.from(rawBody(req) ?? []).equals(req.body as Buffer)}`);
  });
  const server = http.createServer(app);
  const url = await listenNode(server);
  try {
    const response = await postSigned(url);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), `ok ${JSON.stringify({ action: 'opened' }).length} true`);
  } finally {
    await closeNode(server);
  }
});

test('rawBody(req): the exact bytes rampart read, on every adapter; undefined when rampart did not read the body', async (t) => {
  // Bytes a JSON parser would not give back: spacing, key order, escapes, and a non-UTF-8 byte.
  const payload = Buffer.concat([Buffer.from('{ "b" : 1,\r\n  "a":"\\u00e9" }'), Buffer.from([0xff, 0x00, 0x0a])]);
  await forEachAdapter(
    t,
    () => stack([requireWebhook({ provider: 'standard', secret })]),
    async (app) => {
      const headers = signWebhook({ secret, id: 'msg_raw', body: payload });
      const response = await fetch(`${app.url}/hook`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: payload });
      const seen = JSON.parse(await response.text()) as { hex: string | null };
      assert.equal(response.status, 200);
      assert.equal(seen.hex, payload.toString('hex'));
    },
    (req) => {
      const bytes = rawBody(req.native);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hex: bytes === undefined ? null : Buffer.from(bytes).toString('hex') }),
      };
    },
  );
  // No rampart middleware read this body: rawBody is undefined (the app reads it itself).
  await forEachAdapter(
    t,
    () => stack([bodyLimit()]),
    async (app) => {
      const response = await fetch(`${app.url}/upload`, { method: 'POST', body: payload });
      const seen = JSON.parse(await response.text()) as { hex: string | null };
      assert.equal(seen.hex, null);
    },
    (req) => ({ status: 200, body: JSON.stringify({ hex: rawBody(req.native) === undefined ? null : 'bytes' }) }),
  );
});

test('requireSignedRequest behind express.json(): 500 and the Express fix, not a bare 401', async () => {
  const key = randomBytes(32).toString('base64');
  const shield = stack([requireSignedRequest({ secret: key })]);
  const app = express();
  app.use(express.json());
  app.use(shield.express());
  app.post('/api/orders', (_req, res) => res.send('ok'));
  const server = http.createServer(app);
  const base = (await listenNode(server)).replace(/\/hook$/, '');
  try {
    const body = JSON.stringify({ order: 1 });
    const headers = signRequest({ secret: key, method: 'POST', path: '/api/orders', body });
    let response: Response | undefined;
    const warnings = await warningsDuring(async () => {
      response = await fetch(`${base}/api/orders`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
      await response.arrayBuffer();
    });
    assert.equal(response!.status, 500);
    assert.ok(
      warnings.some((w) => /requireSignedRequest/.test(w) && /express\.json\(\)/.test(w)),
      JSON.stringify(warnings),
    );
  } finally {
    await closeNode(server);
  }
});
