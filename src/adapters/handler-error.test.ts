/**
 * A handler that throws: on every adapter the error still reaches the framework's or
 * runtime's error reporting, and the 500 that goes out carries rampart's security headers
 * (nosniff, X-Frame-Options, a CSP). node:http has no 500 of its own (the request hung):
 * shield.node answers it and rethrows. fetch runtimes answer their own bare 500: shield.fetch
 * answers rampart's 500 and reports the error through `onError` (console.error by default).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { securityHeaders } from '../headers/index.ts';
import { stack, type Shield } from '../stack/index.ts';
import type { FetchHandler } from './fetch.ts';

const quiet = { emit: () => undefined };
const makeShield = (): Shield => stack([securityHeaders()], { events: quiet });

function assertSecured(response: Response, what: string): void {
  assert.equal(response.status, 500, what);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('x-frame-options'), 'DENY', what);
  assert.ok(response.headers.get('content-security-policy'), `${what}: no Content-Security-Policy`);
}

/** rampart's own 500: the client's preferred form, the CSP with frame-ancestors. */
async function assertRampart500(response: Response, what: string): Promise<void> {
  assertSecured(response, what);
  assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, what);
  assert.equal(response.headers.get('content-type'), 'application/problem+json', what);
  const body = (await response.json()) as { status: number; detail: string };
  assert.equal(body.status, 500, what);
  assert.doesNotMatch(body.detail, /failure/, `${what}: the error's message reached the client`);
}

async function listenOn(server: http.Server): Promise<string> {
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('node: a throwing or rejecting handler gets a 500 with the security headers, and the error still reaches node', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/throwing-node-server.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const found = /^port (\d+)$/m.exec(out);
      if (found !== null) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  try {
    for (const path of ['/sync', '/async']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
      await assertRampart500(response, path);
    }
    const lines = (): string[] => out.split('\n').filter((line) => line.startsWith('{'));
    // The report may follow the response: node emits unhandledRejection once the microtasks ran.
    const exited = new Promise((_, reject) => child.once('exit', () => reject(new Error(`the server exited; it reported: ${out}`))));
    exited.catch(() => undefined); // killed after the test
    while (lines().length < 2) await Promise.race([new Promise((resolve) => child.stdout.once('data', resolve)), exited]);
    const reported = lines().map((line) => JSON.parse(line) as { kind: string; message: string });
    assert.deepEqual(reported, [
      { kind: 'uncaughtException', message: 'sync handler failure' },
      { kind: 'unhandledRejection', message: 'async handler failure' },
    ]);
  } finally {
    child.kill();
  }
});

test("express: the error reaches the app's error handler and Express's 500 keeps the security headers", async () => {
  const shield = makeShield();
  const seen: string[] = [];
  const app = express();
  app.use(shield.express());
  app.get('/sync', () => {
    throw new Error('sync handler failure');
  });
  app.get('/async', async () => {
    throw new Error('async handler failure');
  });
  app.use((error: Error, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    seen.push(error.message);
    next(error);
  });
  app.set('env', 'test'); // Express's final handler prints no stack
  const server = http.createServer(app).listen(0, '127.0.0.1');
  const url = await listenOn(server);
  try {
    for (const path of ['/sync', '/async']) assertSecured(await fetch(`${url}${path}`), path);
    assert.deepEqual(seen, ['sync handler failure', 'async handler failure']);
  } finally {
    await closeServer(server);
  }
});

test("fastify: the error reaches Fastify's error handling and its 500 keeps the security headers", async () => {
  const shield = makeShield();
  const seen: string[] = [];
  const app = Fastify();
  await app.register(shield.fastify());
  app.addHook('onError', (_request, _reply, error, done) => {
    seen.push(error.message);
    done();
  });
  app.get('/sync', () => {
    throw new Error('sync handler failure');
  });
  app.get('/async', async () => {
    throw new Error('async handler failure');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    for (const path of ['/sync', '/async']) {
      const response = await fetch(`${url}${path}`);
      assertSecured(response, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    }
    assert.deepEqual(seen, ['sync handler failure', 'async handler failure']);
  } finally {
    await app.close();
  }
});

test("hono without app.onError: the error goes through Hono's error handling and its 500 keeps the security headers", async () => {
  const shield = makeShield();
  const seen: unknown[] = [];
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    seen.push((c.error as Error | undefined)?.message);
  });
  app.use(shield.hono());
  app.get('/sync', () => {
    throw new Error('sync handler failure');
  });
  app.get('/async', async () => {
    throw new Error('async handler failure');
  });
  const logged: unknown[] = [];
  const log = console.error;
  console.error = (...args: unknown[]) => void logged.push(args[0]); // Hono's default onError prints the error
  const server = serveNode({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
  const url = await listenOn(server);
  try {
    for (const path of ['/sync', '/async']) {
      const response = await fetch(`${url}${path}`);
      assertSecured(response, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
    }
    assert.deepEqual(seen, ['sync handler failure', 'async handler failure']);
    assert.deepEqual(
      logged.map((e) => (e as Error).message),
      ['sync handler failure', 'async handler failure'],
    );
  } finally {
    console.error = log;
    await closeServer(server);
  }
});

async function serveFetch(handler: FetchHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = serveNode({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as http.Server;
  const url = await listenOn(server);
  return { url, close: () => closeServer(server) };
}

const throwing: FetchHandler = (request) => {
  if (new URL(request.url).pathname === '/sync') throw new Error('sync handler failure');
  return Promise.reject(new Error('async handler failure'));
};

test("fetch: rampart's 500 carries the security headers and the error goes to onError (console.error by default)", async () => {
  const shield = makeShield();
  const reported: string[] = [];
  const app = await serveFetch(shield.fetch(throwing, { onError: (error) => void reported.push((error as Error).message) }));
  const logged: unknown[] = [];
  const log = console.error;
  console.error = (...args: unknown[]) => void logged.push(args[0]);
  const byDefault = await serveFetch(shield.fetch(throwing));
  try {
    for (const path of ['/sync', '/async']) await assertRampart500(await fetch(`${app.url}${path}`), path);
    assert.deepEqual(reported, ['sync handler failure', 'async handler failure']);
    for (const path of ['/sync', '/async']) await assertRampart500(await fetch(`${byDefault.url}${path}`), `default ${path}`);
    assert.deepEqual(
      logged.map((e) => (e as Error).message),
      ['sync handler failure', 'async handler failure'],
    );
  } finally {
    console.error = log;
    await app.close();
    await byDefault.close();
  }
});

test("fetch: onError's own Response gets rampart's headers; an onError that rethrows hands the error to the runtime", async () => {
  const shield = makeShield();
  const page = await serveFetch(
    shield.fetch(throwing, { onError: () => new Response('<h1>Sorry</h1>', { status: 503, headers: { 'content-type': 'text/html' } }) }),
  );
  const rethrow = await serveFetch(
    shield.fetch(throwing, {
      onError: (error) => {
        throw error;
      },
    }),
  );
  const log = console.error;
  console.error = () => undefined; // @hono/node-server prints what reaches it
  try {
    const response = await fetch(`${page.url}/async`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), '<h1>Sorry</h1>');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    // The runtime's own answer (@hono/node-server: a bare 500): the app chose it.
    const runtime = await fetch(`${rethrow.url}/async`);
    assert.equal(runtime.status, 500);
    assert.equal(runtime.headers.get('x-content-type-options'), null);
  } finally {
    console.error = log;
    await page.close();
    await rethrow.close();
  }
});

test('fetch: onError must be a function', () => {
  const shield = makeShield();
  assert.throws(() => shield.fetch(throwing, { onError: 'log' as never }), { code: 'ERR_RAMPART_CONFIG' });
});
