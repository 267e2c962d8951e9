/**
 * A dashboard mounted the way each adapter's README mount does it, behind rampart's preset,
 * on a real listening server; '/app' is the app's own route.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import type { Dashboard } from '../../src/dashboard/index.ts';
import { rampart } from '../../src/preset.ts';

/** The five adapters a dashboard mounts on. */
export const DASHBOARD_ADAPTERS = ['node', 'express', 'fastify', 'hono', 'fetch'] as const;
export type Adapter = 'node' | 'express' | 'fastify' | 'hono' | 'fetch';

/** Serve `dash` mounted the way each adapter mounts it, behind the preset; '/app' is the app's own route. */
export async function mountDashboard(adapter: Adapter, dash: Dashboard): Promise<{ url: string; close(): Promise<void> }> {
  const shield = rampart({ log: false, rateLimit: false, headers: { csp: { nonce: true } } });
  const listen = async (server: http.Server): Promise<{ url: string; close(): Promise<void> }> => {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await shield.close();
      },
    };
  };
  switch (adapter) {
    case 'node':
      return listen(http.createServer(shield.node((req, res) => dash.node(req, res, () => res.writeHead(200).end('app')))));
    case 'express': {
      const app = express();
      app.use(shield.express());
      app.use(dash.node);
      app.get('/app', (_req, res) => void res.send('app'));
      return listen(http.createServer(app));
    }
    case 'fastify': {
      const f = Fastify();
      await f.register(shield.fastify());
      await f.register(dash.fastify);
      f.get('/app', async () => 'app');
      await f.listen({ port: 0, host: '127.0.0.1' });
      return {
        url: `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`,
        close: async () => {
          await f.close();
          await shield.close();
        },
      };
    }
    case 'hono': {
      const h = new Hono();
      h.use(shield.hono());
      h.use(dash.hono());
      h.get('/app', (c) => c.text('app'));
      return listen(serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server);
    }
    case 'fetch': {
      const handler = shield.fetch((request: Request) => (new URL(request.url).pathname === '/app' ? new Response('app') : dash.fetch(request)));
      return listen(serveNode({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as http.Server);
    }
  }
}
