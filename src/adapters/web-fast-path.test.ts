/**
 * Hono and fetch on @hono/node-server take cheap paths (request headers read from the node
 * request, a synchronous answer, a cloned header record): these tests hold that each path
 * is taken and that it answers exactly what the general path answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { rampart } from '../preset.ts';
import { stack } from '../stack/index.ts';
import { securityHeaders } from '../headers/index.ts';
import type { Middleware, RequestView } from '../core/types.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';
import { type Listening, listenLoopback } from '../../test/helpers/listen.ts';

/** Headers some middleware asks for; the raw requests below send several of them twice, in other case, padded. */
const ASKED = ['host', 'x-one', 'x-two', 'cookie', 'content-type', 'user-agent', 'authorization', 'set-cookie', 'x-absent', 'accept', 'referer'];

/** A middleware that records what rampart's view answers for ASKED. */
function recorder(into: Array<Array<string | undefined>>): Middleware {
  return Object.freeze<Middleware>({
    name: 'headerRecorder',
    handle(req: RequestView) {
      into.push(ASKED.map((name) => req.header(name)));
      return undefined;
    },
  });
}

/** @hono/node-server's own symbol-keyed slot on its lightweight Request (`headersKey`: its Headers, set once built), or undefined. */
function slotOf(request: Request, description: string): unknown {
  for (const s of Object.getOwnPropertySymbols(request)) if (s.description === description) return (request as unknown as Record<symbol, unknown>)[s];
  return undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: Hono's app.fetch and FetchHandler type their extra arguments differently
const listen = (handler: (request: Request, ...rest: any[]) => Response | Promise<Response>): Promise<Listening> => listenLoopback(getRequestListener(handler));

const DUPLICATES =
  'GET /dup HTTP/1.1\r\nHost: 127.0.0.1\r\nX-One: a\r\nx-one:   b  \r\nX-Two: solo\r\nCookie: c=1\r\ncookie: d=2\r\n' +
  'Content-Type: text/plain\r\ncontent-type: text/html\r\nUser-Agent: ua1\r\nUser-Agent: ua2\r\nAuthorization: Bearer x\r\n' +
  'Set-Cookie: odd=1\r\nAccept: */*\r\nReferer: https://a.example/\r\nConnection: close\r\n\r\n';

test('hono on @hono/node-server: rampart reads request headers from the node request (no Headers object built), with the same answers as c.req.raw.headers', async () => {
  const seen: Array<Array<string | undefined>> = [];
  const routeSaw: Array<Array<string | undefined>> = [];
  const untouched: unknown[] = [];
  const shield = stack([securityHeaders(), recorder(seen)]);
  const app = new Hono();
  app.use(shield.hono());
  app.get('*', (c) => {
    untouched.push(slotOf(c.req.raw, 'headersKey'));
    routeSaw.push(ASKED.map((name) => c.req.raw.headers.get(name) ?? undefined));
    return c.text('ok');
  });
  const server = await listen(app.fetch);
  try {
    // Twice: the first lightweight Request rampart meets in a process shows it where the Headers slot is.
    assert.equal(statusOf(await rawRequest(server.url, DUPLICATES)), 200);
    assert.equal(statusOf(await rawRequest(server.url, DUPLICATES)), 200);
    assert.equal(untouched[1], undefined, "the Request's Headers were not built before the route asked for them");
    assert.deepEqual(seen[0], routeSaw[0]);
    assert.deepEqual(seen[1], routeSaw[1]);
    assert.equal(seen[0]![1], 'a, b');
    assert.equal(seen[0]![3], 'c=1; d=2');
    assert.equal(seen[0]![4], 'text/plain, text/html');
    assert.equal(seen[0]![8], undefined);
  } finally {
    await server.close();
  }
});

test('fetch on @hono/node-server: the same header answers as the Request the handler gets', async () => {
  const seen: Array<Array<string | undefined>> = [];
  const routeSaw: Array<Array<string | undefined>> = [];
  const handler = stack([securityHeaders(), recorder(seen)]).fetch((request) => {
    routeSaw.push(ASKED.map((name) => request.headers.get(name) ?? undefined));
    return new Response('ok');
  });
  const server = await listen(handler);
  try {
    assert.equal(statusOf(await rawRequest(server.url, DUPLICATES)), 200);
    assert.deepEqual(seen[0], routeSaw[0]);
  } finally {
    await server.close();
  }
});

test('hono on @hono/node-server: request headers changed by a middleware before rampart are what rampart reads', async () => {
  const seen: Array<Array<string | undefined>> = [];
  const shield = stack([recorder(seen)]);
  const app = new Hono();
  app.use('/set/*', async (c, next) => {
    c.req.raw.headers.set('x-one', 'changed');
    await next();
  });
  app.use('/replace/*', async (c, next) => {
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-two', 'replaced');
    c.req.raw = new Request(c.req.raw, { headers });
    await next();
  });
  app.use(shield.hono());
  app.get('*', (c) => c.text('ok'));
  const server = await listen(app.fetch);
  try {
    assert.equal((await fetch(`${server.url}/set/x`, { headers: { 'x-one': 'sent' } })).status, 200);
    assert.equal(seen[0]![1], 'changed');
    assert.equal((await fetch(`${server.url}/replace/x`, { headers: { 'x-two': 'sent' } })).status, 200);
    assert.equal(seen[1]![2], 'replaced');
  } finally {
    await server.close();
  }
});

test('shield.fetch: a synchronous stack and handler answer synchronously (no promise), so @hono/node-server takes its synchronous path', async () => {
  const shield = stack([securityHeaders()]);
  const handler = shield.fetch(() => new Response('sync'));
  const result = handler(new Request('http://127.0.0.1/'), { incoming: { url: '/', httpVersionMajor: 1, socket: { remoteAddress: '127.0.0.1' } } });
  assert.ok(result instanceof Response, 'a Response, not a promise');
  assert.equal(result.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await result.text(), 'sync');
  // An async handler still gets a promise. A handler that throws gets rampart's 500 at once;
  // with an onError that rethrows, the promise rejects (the call itself never throws).
  const later = shield.fetch(async () => new Response('later'))(new Request('http://127.0.0.1/'));
  assert.ok(later instanceof Promise);
  assert.equal(await (await later).text(), 'later');
  const boom = (): Response => {
    throw new Error('boom');
  };
  const answered = shield.fetch(boom, { onError: () => undefined })(new Request('http://127.0.0.1/'));
  assert.ok(answered instanceof Response);
  assert.equal(answered.status, 500);
  const failing = shield.fetch(boom, {
    onError: (error) => {
      throw error;
    },
  });
  let outcome: unknown;
  assert.doesNotThrow(() => {
    outcome = failing(new Request('http://127.0.0.1/'));
  });
  await assert.rejects(outcome as Promise<Response>, /boom/);
});

test('hono and fetch on @hono/node-server: responses of changing shapes each carry exactly their own headers', async () => {
  // CORS answers only the allowed origin; the rate limit's remaining count changes every
  // request; the app's header set changes with the path: consecutive responses must not
  // share a header or a value that belongs to another.
  const shield = rampart({ log: false, cors: { origins: ['https://app.example'] }, rateLimit: { maxRequests: 100, window: 60 } });
  const appHeaders = (path: string): Record<string, string> =>
    path.includes('vary')
      ? { 'content-type': 'text/plain', vary: 'Cookie' }
      : path.includes('frame')
        ? { 'x-frame-options': 'SAMEORIGIN' }
        : { 'content-type': 'application/json' };
  const app = new Hono();
  app.use(shield.hono());
  app.get('*', (c) => (c.req.path.includes('empty') ? c.body(null, 200, appHeaders(c.req.path)) : c.body('body', 200, appHeaders(c.req.path))));
  const fetchHandler = shield.fetch((request) => {
    const path = new URL(request.url).pathname;
    return new Response(path.includes('empty') ? null : 'body', { headers: appHeaders(path) });
  });
  for (const [label, handler] of [
    ['hono', app.fetch],
    ['fetch', fetchHandler],
  ] as const) {
    const server = await listen(handler);
    try {
      let previousRemaining = Number.POSITIVE_INFINITY;
      const plan = ['/a', '/a', '/vary', '/frame', '/a', '/empty', '/a', '/vary', '/vary', '/frame', '/a'];
      for (const [i, path] of plan.entries()) {
        const origin = i % 3 === 0 ? 'https://evil.example' : 'https://app.example';
        const res = await fetch(server.url + path, { headers: { origin } });
        const body = await res.text();
        const where = `${label} ${path} #${i}`;
        assert.equal(res.status, 200, where);
        assert.equal(res.headers.get('access-control-allow-origin'), origin === 'https://app.example' ? origin : null, where);
        const remaining = Number(res.headers.get('x-ratelimit-remaining'));
        assert.ok(remaining < previousRemaining, `${where}: remaining counts down`);
        previousRemaining = remaining;
        assert.equal(res.headers.get('x-frame-options'), path === '/frame' ? 'SAMEORIGIN' : 'DENY', where);
        const vary = (res.headers.get('vary') ?? '').split(/,\s*/).sort();
        assert.deepEqual(vary, (path === '/vary' ? ['Accept-Encoding', 'Cookie', 'Origin'] : ['Accept-Encoding', 'Origin']).sort(), where);
        const type = path === '/vary' ? 'text/plain' : path === '/frame' ? 'text/plain; charset=UTF-8' : 'application/json';
        assert.equal(res.headers.get('content-type'), type, where);
        assert.equal(body, path === '/empty' ? '' : 'body', where);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', where);
      }
    } finally {
      await server.close();
    }
  }
});

test('hono on @hono/node-server: a copied header record still merges as by name (Vary union with the current values, the default Content-Type wins over rampart’s)', async () => {
  let count = 0;
  const varying = Object.freeze<Middleware>({
    name: 'varying',
    handle(req, res) {
      res.append('vary', req.path.endsWith('/a') ? 'X-A' : 'X-B');
      res.set('x-count', String(count++));
      res.set('content-type', 'text/rampart');
      return undefined;
    },
  });
  const app = new Hono();
  app.use(stack([securityHeaders(), varying]).hono());
  app.get('/app-vary/*', (c) => c.body('b', 200, { vary: 'Cookie' }));
  app.get('/none/*', (c) => c.body('b'));
  app.get('/empty/*', (c) => c.body(null, 204));
  const server = await listen(app.fetch);
  try {
    const plan = ['/app-vary/a', '/app-vary/b', '/app-vary/a', '/none/a', '/none/b', '/empty/a', '/empty/b', '/app-vary/b', '/app-vary/b', '/none/a'];
    for (const [i, path] of plan.entries()) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      const token = path.endsWith('/a') ? 'X-A' : 'X-B';
      assert.equal(res.headers.get('x-count'), String(i), path);
      assert.equal(res.headers.get('vary'), path.startsWith('/app-vary') ? `Cookie, ${token}` : token, path);
      assert.equal(res.headers.get('content-type'), path.startsWith('/empty') ? 'text/rampart' : 'text/plain; charset=UTF-8', path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    }
  } finally {
    await server.close();
  }
});
