/**
 * Vary is always the union of rampart's tokens (CORS `Origin`, compression
 * `Accept-Encoding`) and the application's, whichever API the application uses to set
 * it: a handler's `Vary: Cookie` must not drop `Vary: Origin` from a credentialed CORS
 * response (a shared cache would serve one origin's response to another) nor
 * `Vary: Accept-Encoding` from a gzip body. All five adapters, real servers, raw bytes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { stack, type Shield } from '../stack/index.ts';
import { cors } from '../cors/index.ts';
import { compression } from '../compression/index.ts';
import { ADAPTERS, type AdapterName } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';

const ORIGIN = 'https://app.example.com';
const BODY = JSON.stringify({ data: 'x'.repeat(3000) });

/** How the application sets its Vary: the framework's usual way, or by writeHead. */
type Style = 'set' | 'writeHead';

function shield(): Shield {
  return stack([cors({ origins: [ORIGIN], allowCredentials: true }), compression()], { events: { emit: () => undefined } });
}

async function start(adapter: AdapterName, s: Shield, vary: string, style: Style): Promise<{ url: string; close: () => Promise<void> }> {
  const running = (server: http.Server) => ({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  const listenNode = async (server: http.Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return running(server);
  };
  // serveNode() has called listen itself.
  const served = async (server: http.Server) => {
    if (!server.listening) await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return running(server);
  };
  switch (adapter) {
    case 'node':
      return listenNode(
        http.createServer(
          s.node((_req, res) => {
            if (style === 'writeHead') res.writeHead(200, { 'content-type': 'application/json', vary: vary });
            else {
              res.setHeader('Vary', vary);
              res.setHeader('content-type', 'application/json');
            }
            res.end(BODY);
          }),
        ),
      );
    case 'express': {
      const e = express();
      e.use(s.express());
      e.get('/', (_req, res) => {
        if (style === 'writeHead') {
          res.writeHead(200, { 'content-type': 'application/json', Vary: vary });
          res.end(BODY);
        } else res.set('Vary', vary).type('json').send(BODY);
      });
      return listenNode(http.createServer(e));
    }
    case 'fastify': {
      const f = Fastify();
      await f.register(s.fastify());
      f.get('/', async (_request, reply) => {
        reply.header('vary', vary).type('application/json');
        return BODY;
      });
      await f.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`, close: () => f.close() };
    }
    case 'hono': {
      const h = new Hono();
      h.use(s.hono());
      h.get('/', (c) => {
        c.header('Vary', vary);
        return c.body(BODY, 200, { 'content-type': 'application/json' });
      });
      return served(serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server);
    }
    case 'fetch':
      return served(
        serveNode({
          fetch: s.fetch(() => new Response(BODY, { headers: { 'content-type': 'application/json', vary } })),
          port: 0,
          hostname: '127.0.0.1',
        }) as http.Server,
      );
  }
}

/** Every Vary token of a raw response (all Vary lines), lower-case, in order. */
function varyTokens(response: string): string[] {
  const head = response.slice(0, response.indexOf('\r\n\r\n'));
  return head
    .split('\r\n')
    .filter((line) => /^vary:/i.test(line))
    .flatMap((line) => line.slice(5).split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

function get(url: string, gzip: boolean): Promise<string> {
  const accept = gzip ? 'Accept-Encoding: gzip\r\n' : '';
  return rawRequest(url, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\n${accept}Connection: close\r\n\r\n`);
}

for (const adapter of ADAPTERS) {
  test(`Vary is the union of rampart's and the application's on ${adapter} (CORS credentials + gzip)`, async () => {
    const styles: Style[] = adapter === 'node' || adapter === 'express' ? ['set', 'writeHead'] : ['set'];
    for (const style of styles) {
      for (const [vary, expected] of [
        ['Cookie', ['origin', 'accept-encoding', 'cookie']],
        ['ORIGIN, Cookie', ['origin', 'accept-encoding', 'cookie']],
        ['*', ['*']],
      ] as const) {
        const s = shield();
        const app = await start(adapter, s, vary, style);
        try {
          // With gzip negotiated the head is written after the compression hook; without, straight away.
          for (const gzip of [true, false]) {
            const response = await get(app.url, gzip);
            assert.equal(statusOf(response), 200);
            assert.match(response, /access-control-allow-origin: https:\/\/app\.example\.com/i);
            assert.equal(/content-encoding: gzip/i.test(response), gzip);
            const tokens = varyTokens(response);
            const label = `${adapter} ${style} gzip=${gzip} app Vary ${JSON.stringify(vary)}: got ${JSON.stringify(tokens)}`;
            assert.deepEqual([...tokens].sort(), [...expected].sort(), label);
          }
        } finally {
          await app.close();
          await s.close();
        }
      }
    }
  });
}
