/**
 * One shared way to run a shield through every adapter against a real listening server
 * on 127.0.0.1, with the same tiny application behind each, so every middleware test
 * case can run through node:http, Express, Fastify, Hono and a fetch handler alike.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { viewOf } from '../../src/core/registry.ts';
import type { RequestView } from '../../src/core/types.ts';
import type { Shield } from '../../src/stack/index.ts';

export type AdapterName = 'node' | 'express' | 'fastify' | 'hono' | 'fetch';
export const ADAPTERS: readonly AdapterName[] = ['node', 'express', 'fastify', 'hono', 'fetch'];

/** What the test application sees of one request. */
export interface AppRequest {
  method: string;
  path: string;
  /** The request body as the application read it (proves rampart did not consume it). */
  body: string;
  /** The rampart view bound to the adapter's native request object. */
  view: RequestView | undefined;
  /** The adapter's native request object (for helpers like clientIp(req)). */
  native: unknown;
}

/** What the test application answers. */
export interface AppResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export type TestApp = (req: AppRequest) => AppResponse | Promise<AppResponse>;

/** Default app: 200 JSON echo of method, path, body and the client ip rampart computed. */
export const echoApp: TestApp = (req) => ({
  status: 200,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ ok: true, method: req.method, path: req.path, body: req.body, ip: req.view?.ip ?? null, locals: req.view?.locals ?? null }),
});

export interface RunningApp {
  readonly adapter: AdapterName;
  readonly url: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readNodeBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeNode(res: http.ServerResponse, out: AppResponse): void {
  res.statusCode = out.status ?? 200;
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  res.end(out.body ?? '');
}

function webResponse(out: AppResponse): Response {
  const status = out.status ?? 200;
  const nullBody = status === 204 || status === 304 || status === 101;
  return new Response(nullBody ? null : (out.body ?? ''), { status, headers: out.headers ?? {} });
}

/** Start `shield` in front of `app` on a real server for one adapter. */
export async function serve(adapter: AdapterName, shield: Shield, app: TestApp = echoApp): Promise<RunningApp> {
  switch (adapter) {
    case 'node': {
      const server = http.createServer(
        shield.node(async (req, res) => {
          try {
            const body = await readNodeBody(req);
            writeNode(res, await app({ method: req.method!, path: req.url!.split('?')[0]!, body, view: viewOf(req), native: req }));
          } catch {
            if (!res.headersSent) writeNode(res, { status: 400, body: 'body error' });
          }
        }),
      );
      const url = await listen(server);
      return { adapter, url, close: () => closeServer(server) };
    }
    case 'express': {
      const e = express();
      e.use(shield.express());
      e.use(express.text({ type: () => true, limit: '10mb' }));
      e.all('/{*splat}', async (req, res) => {
        const body = typeof req.body === 'string' ? req.body : '';
        writeNode(res, await app({ method: req.method, path: req.path, body, view: viewOf(req), native: req }));
      });
      const server = http.createServer(e);
      const url = await listen(server);
      return { adapter, url, close: () => closeServer(server) };
    }
    case 'fastify': {
      const f = Fastify({ bodyLimit: 10 * 1024 * 1024 });
      f.removeAllContentTypeParsers();
      f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      await f.register(shield.fastify());
      f.all('/*', async (request, reply) => {
        const out = await app({
          method: request.method,
          path: request.url.split('?')[0]!,
          body: typeof request.body === 'string' ? request.body : '',
          view: viewOf(request),
          native: request,
        });
        reply.code(out.status ?? 200).headers(out.headers ?? {});
        return out.body ?? '';
      });
      f.all('/', async (request, reply) => {
        const out = await app({
          method: request.method,
          path: '/',
          body: typeof request.body === 'string' ? request.body : '',
          view: viewOf(request),
          native: request,
        });
        reply.code(out.status ?? 200).headers(out.headers ?? {});
        return out.body ?? '';
      });
      await f.listen({ port: 0, host: '127.0.0.1' });
      const port = (f.server.address() as AddressInfo).port;
      return { adapter, url: `http://127.0.0.1:${port}`, close: () => f.close() };
    }
    case 'hono': {
      const h = new Hono();
      h.use(shield.hono());
      h.all('*', async (c) => {
        const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
        return webResponse(await app({ method: c.req.method, path: c.req.path, body, view: viewOf(c), native: c }));
      });
      const server = serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return { adapter, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
    }
    case 'fetch': {
      const handler = shield.fetch(async (request: Request) => {
        const body = request.body === null ? '' : await request.text();
        const path = new URL(request.url).pathname;
        return webResponse(await app({ method: request.method, path, body, view: viewOf(request), native: request }));
      });
      const server = serveNode({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return { adapter, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
    }
  }
}

/**
 * Run `fn` once per adapter as a subtest with a server started for that adapter.
 *
 * @example
 * await forEachAdapter(t, () => stack([cors({...})]), async (app) => { const r = await fetch(app.url); … });
 */
export async function forEachAdapter(
  t: import('node:test').TestContext,
  makeShield: () => Shield,
  fn: (app: RunningApp) => Promise<void>,
  appHandler: TestApp = echoApp,
): Promise<void> {
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      const shield = makeShield();
      const running = await serve(adapter, shield, appHandler);
      try {
        await fn(running);
      } finally {
        await running.close();
        await shield.close();
      }
    });
  }
}
