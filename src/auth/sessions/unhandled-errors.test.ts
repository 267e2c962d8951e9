import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { sessions, getSession, memorySessionStore, type Session, type SessionStore } from './index.ts';
import { stack, type Shield } from '../../stack/index.ts';

const SECRET = 'session-signing-secret-of-32-bytes!!';

/**
 * The app's own logic, which lets a session error escape (no try/catch): what the adapter
 * answers is then rampart's to decide. `/slow` waits for the gate before it writes.
 */
type Logic = (session: Session, path: string) => Promise<string>;

const ADAPTERS = ['node', 'express', 'fastify', 'hono', 'fetch'] as const;

async function listen(server: http.Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One server per adapter with a route that lets whatever `logic` throws reach the framework. */
async function serveUnhandled(adapter: (typeof ADAPTERS)[number], shield: Shield, logic: Logic): Promise<{ url: string; close: () => Promise<void> }> {
  const closing = (server: http.Server) => () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  switch (adapter) {
    case 'node': {
      const handler = shield.node(async (req, res) => res.end(await logic(getSession(req)!, req.url!)));
      // rampart answers, then rethrows the handler's error to node (as without rampart): caught here.
      const server = http.createServer((req, res) => void Promise.resolve(handler(req, res)).catch(() => {}));
      server.listen(0, '127.0.0.1');
      return { url: await listen(server), close: closing(server) };
    }
    case 'express': {
      const app = express();
      app.use(shield.express());
      app.all('/{*splat}', async (req, res) => void res.send(await logic(getSession(req)!, req.path)));
      const server = app.listen(0, '127.0.0.1');
      return { url: await listen(server), close: closing(server) };
    }
    case 'fastify': {
      const app = Fastify();
      await app.register(shield.fastify());
      app.all('/*', async (request) => logic(getSession(request)!, request.url));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
    }
    case 'hono': {
      const app = new Hono();
      app.use(shield.hono());
      app.all('*', async (c) => c.text(await logic(getSession(c)!, c.req.path)));
      const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
      return { url: await listen(server), close: closing(server) };
    }
    case 'fetch': {
      const handler = shield.fetch(async (request: Request) => new Response(await logic(getSession(request)!, new URL(request.url).pathname)), {
        onError: () => undefined,
      });
      const server = serveNode({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as http.Server;
      return { url: await listen(server), close: closing(server) };
    }
  }
}

/** Express, Hono and fetch print the app's error: keep the run's output readable. */
function expectRejections(t: TestContext): void {
  const quiet = t.mock.method(console, 'error', () => {});
  t.after(() => quiet.mock.restore());
}

function cookieOf(r: Response): string {
  const line = r.headers.getSetCookie().find((l) => l.startsWith('sid=') && !/Max-Age=0/i.test(l));
  assert.ok(line, 'a session cookie');
  return line.split(';')[0]!;
}

test('an unhandled ERR_RAMPART_SESSION_ENDED is answered 409 on every adapter, without session data and without touching the cookie', async (t) => {
  expectRejections(t);
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      let loaded!: () => void;
      let open!: () => void;
      const isLoaded = new Promise<void>((resolve) => (loaded = resolve));
      const opened = new Promise<void>((resolve) => (open = resolve));
      const shield = stack([sessions({ secret: SECRET, store: memorySessionStore() })]);
      const running = await serveUnhandled(adapter, shield, async (session, path) => {
        if (path === '/login') await session.set('user', { id: 'u1', note: 'TOP-SECRET' });
        if (path === '/logout') await session.destroy();
        if (path === '/slow') {
          loaded();
          await opened;
          await session.set('x', 1);
        }
        return 'ok';
      });
      try {
        const login = await fetch(`${running.url}/login`);
        const cookie = cookieOf(login);
        await login.body?.cancel();
        const late = fetch(`${running.url}/slow`, { headers: { cookie } });
        await isLoaded;
        (await fetch(`${running.url}/logout`, { headers: { cookie } })).body?.cancel();
        open();
        const r = await late;
        assert.equal(r.status, 409);
        assert.ok(!(await r.text()).includes('TOP-SECRET'), 'no session data in the answer');
        assert.deepEqual(
          r.headers.getSetCookie().filter((l) => l.startsWith('sid=')),
          [],
        );
      } finally {
        await running.close();
        await shield.close();
      }
    });
  }
});

test('a session store timeout inside the handler, unhandled, is answered 503 + Retry-After: 5 on every adapter (not 500)', async (t) => {
  expectRejections(t);
  for (const adapter of ADAPTERS) {
    await t.test(adapter, async () => {
      const inner = memorySessionStore();
      let hang = false;
      // A custom store with update() only; its writes hang once `hang` is set.
      const store: SessionStore = {
        get: (id) => inner.get(id),
        set: (id, record, ttl) => inner.set(id, record, ttl),
        update: (id, record, ttl) => (hang ? new Promise<boolean>(() => {}) : inner.update(id, record, ttl)),
        delete: (id) => inner.delete(id),
      };
      const shield = stack([sessions({ secret: SECRET, store, storeTimeout: 0.2 })]);
      const running = await serveUnhandled(adapter, shield, async (session, path) => {
        await session.set('visited', path);
        return 'ok';
      });
      try {
        const first = await fetch(`${running.url}/first`);
        const cookie = cookieOf(first);
        await first.body?.cancel();
        hang = true;
        const r = await fetch(`${running.url}/second`, { headers: { cookie } });
        assert.equal(r.status, 503);
        assert.equal(r.headers.get('retry-after'), '5');
        await r.body?.cancel();
      } finally {
        await running.close();
        await shield.close();
      }
    });
  }
});
