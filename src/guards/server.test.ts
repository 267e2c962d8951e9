import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { createAdaptorServer } from '@hono/node-server';
import { hardenServer, SERVER_TIMEOUT_DEFAULTS } from './index.ts';
import { stack } from '../stack/index.ts';
import { bodyLimit } from './body.ts';
import { ADAPTERS, type AdapterName } from '../../test/helpers/adapters.ts';

// Every adapter runs on a node:http server here; hardenServer() works on that server.
async function build(adapter: AdapterName): Promise<{ server: http.Server; close?: () => Promise<void> }> {
  const shield = stack([bodyLimit()]);
  switch (adapter) {
    case 'node':
      return { server: http.createServer(shield.node((_req, res) => res.end('ok'))) };
    case 'express': {
      const app = express();
      app.use(shield.express());
      app.use((_req, res) => res.end('ok'));
      return { server: http.createServer(app) };
    }
    case 'fastify': {
      const f = Fastify();
      await f.register(shield.fastify());
      f.all('/*', async () => 'ok');
      f.all('/', async () => 'ok');
      await f.ready();
      return { server: f.server, close: () => f.close() };
    }
    case 'hono': {
      const h = new Hono();
      h.use(shield.hono());
      h.all('*', (c) => c.text('ok'));
      return { server: createAdaptorServer({ fetch: h.fetch }) as http.Server };
    }
    case 'fetch':
      return { server: createAdaptorServer({ fetch: shield.fetch(() => new Response('ok')) }) as http.Server };
  }
}

/**
 * How long a slow client waits for the server to hang up: the hardened limits cut in 1–3 s; the
 * margin is for a loaded machine, and it stays well below node's unhardened 30 s check interval.
 */
const CUT_DEADLINE_MS = 15_000;

/** Send `head`, then trickle `drip` every 100 ms; report whether the server hung up within `deadlineMs`. */
function slowClient(port: number, head: string, drip: string, deadlineMs: number): Promise<{ closedByServer: boolean; response: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ closedByServer, response });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      response += chunk;
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(head);
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, 100);
    const deadline = setTimeout(() => finish(false), deadlineMs);
  });
}

async function withServer(adapter: AdapterName, harden: boolean, fn: (port: number) => Promise<void>): Promise<void> {
  const { server, close } = await build(adapter);
  if (harden) hardenServer(server, { headersTimeout: 1, requestTimeout: 2, keepAliveTimeout: 1 });
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    if (close) await close();
    else await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test('hardenServer: safe defaults applied to a node server (headers 10 s, request 30 s, keep-alive 5 s)', () => {
  const server = http.createServer();
  assert.equal(hardenServer(server), server);
  assert.equal(server.headersTimeout, SERVER_TIMEOUT_DEFAULTS.headersTimeout * 1000);
  assert.equal(server.requestTimeout, SERVER_TIMEOUT_DEFAULTS.requestTimeout * 1000);
  assert.equal(server.keepAliveTimeout, SERVER_TIMEOUT_DEFAULTS.keepAliveTimeout * 1000);
  assert.ok(server.headersTimeout < 60_000 && server.requestTimeout < 300_000, 'stricter than node defaults');
});

test('hardenServer: bad values are configuration errors naming the fix', () => {
  const server = http.createServer();
  assert.throws(() => hardenServer(server, { headersTimeout: 0 }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => hardenServer(server, { headersTimeout: 20, requestTimeout: 10 }), /requestTimeout/);
  assert.throws(() => hardenServer(server, { headerTimeout: 5 } as never), { code: 'ERR_RAMPART_UNKNOWN_OPTION' });
  assert.throws(() => hardenServer({} as http.Server), { code: 'ERR_RAMPART_CONFIG' });
});

test('slowloris: a client that never finishes its headers is cut off (408) on every adapter', async (t) => {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      await withServer(adapter, true, async (port) => {
        const result = await slowClient(port, 'GET / HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n', CUT_DEADLINE_MS);
        assert.equal(result.closedByServer, true, 'the server must hang up on a client still sending headers');
        if (result.response !== '') assert.match(result.response, /^HTTP\/1\.1 408/);
      });
    });
  }
});

test('slow body: a client that trickles its body past requestTimeout is cut off on every adapter', async (t) => {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      await withServer(adapter, true, async (port) => {
        const head = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nabc';
        const result = await slowClient(port, head, 'x', CUT_DEADLINE_MS);
        assert.equal(result.closedByServer, true, 'the server must hang up on a body that never completes');
      });
    });
  }
});

test('hardened servers still answer normal requests on every adapter (also after listen())', async (t) => {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      await withServer(adapter, true, async (port) => {
        const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'hello' });
        assert.equal(response.status, 200);
        assert.equal(await response.text(), 'ok');
      });
    });
  }
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    hardenServer(server, { headersTimeout: 1, requestTimeout: 2 });
    const result = await slowClient((server.address() as AddressInfo).port, 'GET / HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n', CUT_DEADLINE_MS);
    assert.equal(result.closedByServer, true, 'hardening a listening server still cuts slow headers promptly');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
