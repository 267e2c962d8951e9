/**
 * What counts as "the handler answered a Response": a Response of another realm or another
 * Fetch implementation (a vm context, an edge runtime's own copy, a polyfill) is one, and
 * is sent with rampart's headers; a plain object, a string or nothing is not, and goes to
 * onError and rampart's 500.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { Hono } from 'hono';
import { securityHeaders } from '../headers/index.ts';
import { stack } from '../stack/index.ts';
import { isRampartError } from '../errors.ts';
import type { FetchHandler } from './fetch.ts';
import { listenFetch } from '../../test/helpers/listen.ts';

/**
 * A Response made in a new vm context by a Fetch implementation of that realm (as an edge
 * runtime or a polyfill brings its own): not `instanceof` this realm's Response.
 */
function foreignResponse(text: string, status: number): Response {
  return vm.runInNewContext(
    `
    class Response {
      #status; #headers; #body;
      constructor(text, init) {
        this.#status = init.status;
        this.#headers = new Headers(init.headers);
        const bytes = new TextEncoder().encode(text);
        this.#body = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
      }
      get status() { return this.#status; }
      get statusText() { return ''; }
      get ok() { return this.#status >= 200 && this.#status < 300; }
      get headers() { return this.#headers; }
      get body() { return this.#body; }
      get bodyUsed() { return false; }
      get [Symbol.toStringTag]() { return 'Response'; }
    }
    new Response(text, { status, headers: { 'content-type': 'text/plain', 'x-app': 'foreign' } });
    `,
    { Headers, ReadableStream, TextEncoder, text, status },
  ) as Response;
}

test('a Response from another realm is not instanceof this realm’s (the case this file is about)', () => {
  const r = foreignResponse('x', 200);
  assert.equal(r instanceof Response, false);
  assert.equal(Object.prototype.toString.call(r), '[object Response]');
});

for (const shape of ['sync', 'async'] as const) {
  test(`shield.fetch (${shape}): a Response from another realm is sent as the handler's answer, with rampart's headers`, async () => {
    const errors: unknown[] = [];
    const shield = stack([securityHeaders()], { events: { emit: () => undefined } });
    const handler = shield.fetch(shape === 'sync' ? () => foreignResponse('from the vm', 201) : async () => foreignResponse('from the vm', 201), {
      onError: (error) => void errors.push(error),
    });
    const server = await listenFetch(handler);
    try {
      const r = await fetch(server.url);
      assert.equal(r.status, 201);
      assert.equal(await r.text(), 'from the vm');
      assert.equal(r.headers.get('x-app'), 'foreign');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  });
}

const NOT_RESPONSES: Array<[string, () => unknown]> = [
  ['a plain object with status and headers', () => ({ status: 200, headers: new Headers({ 'x-app': 'plain' }), body: null })],
  ['a string', () => 'hello'],
  ['undefined', () => undefined],
  ['an object claiming the Response tag without its surface', () => ({ [Symbol.toStringTag]: 'Response' })],
];

for (const [what, make] of NOT_RESPONSES) {
  test(`shield.fetch: ${what} goes to onError and rampart's 500`, async () => {
    const errors: unknown[] = [];
    const shield = stack([securityHeaders()], { events: { emit: () => undefined } });
    const handler = shield.fetch((() => make()) as FetchHandler, { onError: (error) => void errors.push(error) });
    const server = await listenFetch(handler);
    try {
      const r = await fetch(server.url);
      assert.equal(r.status, 500);
      await r.body?.cancel();
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-app'), null);
      assert.equal(errors.length, 1);
      assert.ok(isRampartError(errors[0], 'ERR_RAMPART_ADAPTER'));
    } finally {
      await server.close();
    }
  });
}

test("shield.fetch: onError's answer from another realm is sent, with rampart's headers", async () => {
  const shield = stack([securityHeaders()], { events: { emit: () => undefined } });
  const handler = shield.fetch(
    () => {
      throw new Error('boom');
    },
    { onError: () => foreignResponse('sorry', 503) },
  );
  const server = await listenFetch(handler);
  try {
    const r = await fetch(server.url);
    assert.equal(r.status, 503);
    assert.equal(await r.text(), 'sorry');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  } finally {
    await server.close();
  }
});

test("shield.hono(): a route's Response from another realm is sent, with rampart's headers", async () => {
  const shield = stack([securityHeaders()], { events: { emit: () => undefined } });
  const app = new Hono();
  app.use(shield.hono());
  app.get('/', () => foreignResponse('hono vm', 202));
  const r = await app.request('/');
  assert.equal(r.status, 202);
  // Passed on as the route answered it (what Hono does without rampart): read with this realm's reader.
  assert.equal(await new Response(r.body).text(), 'hono vm');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});
