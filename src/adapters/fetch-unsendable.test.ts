/**
 * An answer no server can send — `Response.error()` (type 'error', status 0), a
 * `[object Response]` with status 0, 99 or 1000, a Proxy around a Response — is a handler
 * failure: the fetch adapter calls onError and answers rampart's 500 with the security headers,
 * Hono answers rampart's 500 (the runtimes sent 200 with an empty body, a bare 500, hung up,
 * or rejected). A thenable is awaited like a promise; one whose `then` throws is a failure.
 * Through a real @hono/node-server, the fetch handler called directly, and Hono's `app.request()`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { securityHeaders } from '../headers/index.ts';
import { stack } from '../stack/index.ts';
import { listenFetch } from '../../test/helpers/listen.ts';

const quiet = { events: { emit: () => undefined } };

/** An object every Fetch implementation's class string calls a Response, with the given status. */
function fakeResponse(status: number): unknown {
  return Object.defineProperty({ status, headers: new Headers(), body: null }, Symbol.toStringTag, { value: 'Response' });
}

const UNSENDABLE: Array<[string, () => unknown]> = [
  ['Response.error()', () => Response.error()],
  ['a fake Response with status 0', () => fakeResponse(0)],
  ['a fake Response with status 99', () => fakeResponse(99)],
  ['a fake Response with status 1000', () => fakeResponse(1000)],
  [
    'a thenable whose then getter throws',
    () => ({
      // biome-ignore lint/suspicious/noThenProperty: the point of this case
      get then() {
        throw new Error('then getter');
      },
    }),
  ],
];

/** rampart's 500: problem+json with the security headers. */
async function assertRampart500(response: Response, what: string): Promise<void> {
  const body = await response.text();
  assert.equal(response.status, 500, `${what}: ${response.status} ${body}`);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${what}: no security headers`);
  assert.match(body, /"status":500/, what);
}

const noLog = (): void => undefined;

for (const [name, answer] of UNSENDABLE) {
  test(`fetch adapter: a handler answering ${name} gets onError and rampart's 500 (real server and direct call)`, async (t) => {
    t.mock.method(console, 'error', noLog);
    const shield = stack([securityHeaders()], quiet);
    const errors: unknown[] = [];
    const handler = shield.fetch(() => answer() as Response, { clientIp: () => '192.0.2.50', onError: (error) => void errors.push(error) });
    await assertRampart500(await handler(new Request('http://localhost/')), `direct: ${name}`);
    assert.equal(errors.length, 1, 'onError was not called');
    const server = await listenFetch(handler);
    try {
      await assertRampart500(await fetch(server.url), `@hono/node-server: ${name}`);
      assert.equal(errors.length, 2, 'onError was not called');
    } finally {
      await server.close();
    }
  });

  test(`Hono: a route answering ${name} gets rampart's 500 (@hono/node-server and app.request())`, async (t) => {
    t.mock.method(console, 'error', noLog);
    const shield = stack([securityHeaders()], quiet);
    const app = new Hono();
    app.use(shield.hono({ clientIp: () => '192.0.2.51' }));
    app.get('/', () => answer() as Response);
    app.onError((error, c) => c.text(`app onError: ${(error as Error).message}`, 500));
    if (name.startsWith('a thenable')) {
      // Hono awaits the route's result itself: its onError answers, rampart adds its headers.
      const r = await app.request('/');
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      return;
    }
    await assertRampart500(await app.request('/'), `app.request(): ${name}`);
    const server = await listenFetch(app.fetch);
    try {
      await assertRampart500(await fetch(server.url), `@hono/node-server: ${name}`);
    } finally {
      await server.close();
    }
  });
}

test('fetch adapter: a Proxy around a Response whose fields cannot be read gets onError and rampart’s 500', async (t) => {
  t.mock.method(console, 'error', noLog);
  const shield = stack([securityHeaders()], quiet);
  const errors: unknown[] = [];
  // A Response made by undici's class: its getters refuse a Proxy as `this`.
  const proxied = (): Response => {
    const inner = new Response('p');
    return new Proxy(inner, {}) as Response;
  };
  const handler = shield.fetch(proxied, { clientIp: () => '192.0.2.52', onError: (error) => void errors.push(error) });
  const response = await handler(new Request('http://localhost/'));
  let readable = true;
  try {
    void proxied().status;
  } catch {
    readable = false;
  }
  if (readable) {
    // Where the runtime's Response class reads through a Proxy, it is a Response: sent, with headers.
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    return;
  }
  await assertRampart500(response, 'a Proxy around a Response');
  assert.equal(errors.length, 1);
});

test('fetch adapter: a thenable answer is awaited like a promise (real server and direct call)', async () => {
  const shield = stack([securityHeaders()], quiet);
  // Its then() returns nothing, as a hand-written thenable may.
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: the point of this case
    then(resolve: (r: Response) => void): void {
      resolve(new Response('from a thenable'));
    },
  };
  const handler = shield.fetch(() => thenable as unknown as Response, { clientIp: () => '192.0.2.53' });
  const direct = await handler(new Request('http://localhost/'));
  assert.equal(await direct.text(), 'from a thenable');
  assert.equal(direct.headers.get('x-content-type-options'), 'nosniff');
  const server = await listenFetch(handler);
  try {
    const viaServer = await fetch(server.url);
    assert.equal(await viaServer.text(), 'from a thenable');
    assert.equal(viaServer.headers.get('x-content-type-options'), 'nosniff');
  } finally {
    await server.close();
  }
});
