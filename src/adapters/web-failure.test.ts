/**
 * Failures rampart must not turn into success on the web adapters. A Hono route that
 * returns nothing or something other than a Response, an app.onError that answers nothing,
 * a throw of a non-Error (Hono hands it to the runtime): Hono without rampart answers 500;
 * with rampart the 500 stays, with the security headers. A fetch handler whose result is not
 * a Response failed like one that throws: onError hears of it and rampart answers its 500.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { securityHeaders } from '../headers/index.ts';
import { stack } from '../stack/index.ts';
import { listenFetch } from '../../test/helpers/listen.ts';

const quiet = { emit: () => undefined };

async function assertSecured500(response: Response, what: string): Promise<void> {
  await response.arrayBuffer();
  assert.equal(response.status, 500, what);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('x-frame-options'), 'DENY', what);
  assert.ok(response.headers.get('content-security-policy'), `${what}: no Content-Security-Policy`);
}

/** Runs `body` with console.error silenced (Hono and rampart print the failures). */
async function silenced(body: () => Promise<void>): Promise<void> {
  const log = console.error;
  console.error = () => undefined;
  try {
    await body();
  } finally {
    console.error = log;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong results a JavaScript route can give
const ROUTES: Record<string, () => any> = {
  undefined: () => undefined,
  'async-undefined': async () => undefined,
  object: () => ({ a: 1 }),
  string: () => 'text',
  'throw-string': () => {
    throw 'not an error';
  },
  'throw-null': () => {
    throw null;
  },
};

function honoApp(withRampart: boolean, onError?: (error: Error) => unknown): { app: Hono; close: () => Promise<void> } {
  const shield = stack([securityHeaders()], { events: quiet });
  const app = new Hono();
  if (withRampart) app.use(shield.hono());
  else app.use(async (_c, next) => next()); // any middleware: Hono's composed path, as with rampart
  // biome-ignore lint/suspicious/noExplicitAny: Hono's ErrorHandler, given a deliberately wrong answer
  if (onError !== undefined) app.onError(onError as any);
  for (const [name, route] of Object.entries(ROUTES)) app.get(`/${name}`, route);
  app.get('/throws', () => {
    throw new Error('route failure');
  });
  app.get('/ok', (c) => c.text('ok'));
  return { app, close: () => shield.close() };
}

test('hono: a route that returns no Response or throws a non-Error keeps the 500 Hono gives without rampart, with the security headers', async () => {
  await silenced(async () => {
    const bare = honoApp(false);
    const shielded = honoApp(true);
    const bareServer = await listenFetch(bare.app.fetch);
    const server = await listenFetch(shielded.app.fetch);
    try {
      for (const name of Object.keys(ROUTES)) {
        const without = await fetch(`${bareServer.url}/${name}`);
        await without.arrayBuffer();
        assert.equal(without.status, 500, `${name} without rampart`);
        await assertSecured500(await fetch(`${server.url}/${name}`), name);
      }
      const ok = await fetch(`${server.url}/ok`);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'ok');
    } finally {
      await bareServer.close();
      await server.close();
      await shielded.close();
    }
  });
});

test('hono: an app.onError that answers nothing, a non-Response or throws keeps the 500, with the security headers', async () => {
  await silenced(async () => {
    const answers: Record<string, (error: Error) => unknown> = {
      undefined: () => undefined,
      object: () => ({ nope: 1 }),
      throws: () => {
        throw new Error('onError failure');
      },
      rejects: () => Promise.reject(new Error('onError failure')),
    };
    for (const [name, onError] of Object.entries(answers)) {
      const bare = honoApp(false, onError);
      const shielded = honoApp(true, onError);
      const bareServer = await listenFetch(bare.app.fetch);
      const server = await listenFetch(shielded.app.fetch);
      try {
        const without = await fetch(`${bareServer.url}/throws`);
        await without.arrayBuffer();
        assert.equal(without.status, 500, `onError ${name} without rampart`);
        await assertSecured500(await fetch(`${server.url}/throws`), `onError ${name}`);
      } finally {
        await bareServer.close();
        await server.close();
        await shielded.close();
      }
    }
  });
});

test('fetch: a handler result that is not a Response is a handler failure: onError hears of it and rampart answers its 500', async () => {
  const shield = stack([securityHeaders()], { events: quiet });
  const results: Record<string, unknown> = { undefined: undefined, null: null, object: { status: 200 }, string: 'hello', number: 42 };
  const reported: unknown[] = [];
  const handler = shield.fetch(
    (request) => {
      const value = results[new URL(request.url).pathname.slice(1).replace(/^async-/, '')];
      return (request.url.includes('/async-') ? Promise.resolve(value) : value) as Response;
    },
    { onError: (error) => void reported.push(error) },
  );
  const server = await listenFetch(handler);
  try {
    for (const name of Object.keys(results)) {
      for (const path of [name, `async-${name}`]) {
        reported.length = 0;
        await assertSecured500(await fetch(`${server.url}/${path}`), path);
        assert.equal(reported.length, 1, `${path}: onError was not called`);
        assert.equal((reported[0] as { code?: unknown }).code, 'ERR_RAMPART_ADAPTER', path);
      }
    }
  } finally {
    await server.close();
    await shield.close();
  }
});
