import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { ADAPTERS, type AdapterName, forEachAdapter } from '../../test/helpers/adapters.ts';
import { statusOf } from '../../test/helpers/raw-http.ts';
import { stack, type Shield } from '../stack/index.ts';
import type { SecurityEventRecord } from '../core/types.ts';
import { RampartError } from '../errors.ts';
import { rampart } from '../preset.ts';
import { bodyLimit } from './body.ts';

process.env.RAMPART_SILENT = '1';

/**
 * Open a socket, write `head` (and what follows of the body), then send nothing more.
 * Resolves with what the server answered once it closes the connection (or after `waitMs`,
 * with closed: false).
 */
function stall(url: string, head: string, waitMs = 15_000): Promise<{ response: string; closed: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head));
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      response += c;
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closed: true });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (response !== '') resolve({ response, closed: true });
      else reject(error);
    });
  });
}

/** Send the body in `parts`, `gapMs` apart, and resolve with the whole response. */
function trickle(url: string, head: string, parts: readonly string[], gapMs: number): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', async () => {
      socket.write(head);
      for (const part of parts) {
        await new Promise((r) => setTimeout(r, gapMs));
        // The server may have answered (a 408 when it judged a gap too long): the response tells.
        if (socket.writableEnded || socket.destroyed) return;
        socket.write(part);
      }
    });
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      response += c;
      if (/\r\n\r\n[\s\S]*"ok":true/.test(response) || /^HTTP\/1\.1 4/.test(response)) socket.end();
    });
    socket.on('close', () => resolve(response));
    socket.on('error', reject);
  });
}

test('bodyLimit idleTimeout: a client that sends the headers and stalls the body gets 408, the connection closed and an event (every adapter)', async (t) => {
  let events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => {
      events = [];
      return stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 0.5 })], { events: { emit: (r) => events.push(r) } });
    },
    async (app) => {
      // Content-Length framing: 3 of 100 bytes, then nothing.
      const fixed = await stall(app.url, 'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nabc');
      assert.equal(statusOf(fixed.response), 408, fixed.response.slice(0, 200));
      assert.ok(fixed.closed, 'the server closes the connection');
      assert.match(fixed.response, /connection: close/i);
      // Chunked framing: one chunk, then nothing.
      const chunked = await stall(
        app.url,
        'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
      );
      assert.equal(statusOf(chunked.response), 408, chunked.response.slice(0, 200));
      assert.ok(chunked.closed);
      const timeouts = events.filter((e) => e.event === 'BODY_TIMEOUT');
      assert.equal(timeouts.length, 2, JSON.stringify(events));
      assert.match(timeouts[0]!.detail ?? '', /0\.5 s/);
      assert.equal(timeouts[0]!.path, '/upload');
    },
  );
});

test('bodyLimit idleTimeout: a body that keeps arriving (gaps shorter than the timeout) reaches the app whole, longer than the timeout in total', async (t) => {
  await forEachAdapter(
    t,
    // 2 s idle limit, 200 ms gaps, 2.4 s in total: a gap would have to be stretched ten-fold by a
    // loaded machine (client and server share this process) before the server could see an idle body.
    () => stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 2 })]),
    async (app) => {
      const parts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
      const response = await trickle(
        app.url,
        `POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: ${parts.length}\r\nConnection: close\r\n\r\n`,
        parts,
        200,
      );
      assert.equal(statusOf(response), 200, response.slice(0, 300));
      assert.match(response, /"body":"abcdefghijkl"/);
    },
  );
});

test('bodyLimit idleTimeout: options are validated, the preset takes { maxBytes, idleTimeout }, idleTimeout: false is announced', async () => {
  assert.throws(
    () => bodyLimit({ idleTimeout: -1 }),
    (e: unknown) => e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG',
  );
  assert.throws(
    () => bodyLimit({ idleTimeout: 'soon' as unknown as number }),
    (e: unknown) => e instanceof RampartError && e.code === 'ERR_RAMPART_CONFIG',
  );
  const { configWarnings } = await import('../core/events.ts');
  bodyLimit({ maxBytes: 10, idleTimeout: false });
  assert.ok(configWarnings().some((w) => /bodyLimit\.idleTimeout: false/.test(w)));
  const shield = rampart({ bodyLimit: { maxBytes: 2048, idleTimeout: 5 }, log: false });
  await shield.close();
});

/** Keep-alive far longer than the bound below (Fastify's own default is 72 s): only rampart can close in time. */
const KEEP_ALIVE_MS = 60_000;

/** A route that answers 'early' without reading the request body, behind `shield`, on a real server. */
async function serveEarly(adapter: AdapterName, shield: Shield): Promise<{ url: string; close: () => Promise<void> }> {
  const closeNode = (server: http.Server) => () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const listen = async (server: http.Server) => {
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: closeNode(server) };
  };
  switch (adapter) {
    case 'node':
      return listen(http.createServer(shield.node((_req, res) => res.end('early'))));
    case 'express': {
      const app = express();
      app.use(shield.express());
      app.all('/{*splat}', (_req, res) => {
        res.send('early');
      });
      return listen(http.createServer(app));
    }
    case 'fastify': {
      const f = Fastify({ keepAliveTimeout: KEEP_ALIVE_MS });
      await f.register(shield.fastify());
      f.get('/*', async () => 'early');
      await f.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`, close: () => f.close() };
    }
    case 'hono': {
      const h = new Hono();
      h.use(shield.hono());
      h.all('*', (c) => c.text('early'));
      const server = serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return listen(server);
    }
    case 'fetch': {
      const server = serveNode({ fetch: shield.fetch(() => new Response('early')), port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return listen(server);
    }
  }
}

test('bodyLimit idleTimeout: a stalled body the route never reads is cut too: after the answer the connection is closed (every adapter, GET with a body)', async (t) => {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      const shield = stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 1 })]);
      const app = await serveEarly(adapter, shield);
      try {
        const [chunked, fixed] = await Promise.all([
          stall(app.url, 'GET /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'),
          stall(app.url, 'GET /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc'),
        ]);
        for (const held of [chunked, fixed]) {
          // The route answered without waiting for the body; what matters is what happens next.
          assert.equal(statusOf(held.response), 200, held.response.slice(0, 200));
          assert.match(held.response, /early/);
          assert.ok(held.closed, `${adapter}: the connection of a stalled, unread body is still open after 15 s`);
        }
      } finally {
        await app.close();
        await shield.close();
      }
    });
  }
});

test('bodyLimit idleTimeout: a complete body the route never read leaves the keep-alive connection usable past the timeout (every adapter)', async (t) => {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      const shield = stack([bodyLimit({ maxBytes: 10_000, idleTimeout: 0.3 })]);
      const app = await serveEarly(adapter, shield);
      const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
      try {
        let response = '';
        socket.setEncoding('latin1');
        socket.on('data', (c: string) => {
          response += c;
        });
        const answers = (n: number) => (response.match(/HTTP\/1\.1 200/g) ?? []).length >= n;
        const until = async (n: number) => {
          const deadline = Date.now() + 20_000;
          while (!answers(n) && !socket.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        };
        socket.write('GET /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc');
        await until(1);
        await new Promise((r) => setTimeout(r, 900)); // three idle timeouts
        assert.ok(!socket.destroyed, 'the connection was closed although the body was complete');
        socket.write('GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n');
        await until(2);
        assert.ok(answers(2), response);
      } finally {
        socket.destroy();
        await app.close();
        await shield.close();
      }
    });
  }
});
