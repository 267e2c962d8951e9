import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { hasToken, mergeHead, sameName, tokenUnion } from './node-head-list.ts';
import { stack } from '../stack/index.ts';
import { securityHeaders } from '../headers/index.ts';
import { cors } from '../cors/index.ts';
import { compression } from '../compression/index.ts';
import { csrf } from '../csrf/index.ts';
import { bodyLimit } from '../guards/body.ts';
import type { Middleware } from '../core/types.ts';

const SECRET = 'k9f8s7d6f5g4h3j2k1l0p9o8i7u6y5t4r3e2w1qQ';
const ORIGIN = 'https://app.example.com';

test('sameName: header names compare case-insensitively (ASCII letters only), equal lengths alone never match', () => {
  assert.equal(sameName('X-Frame-Options', 'x-frame-options'), true);
  assert.equal(sameName('VARY', 'vary'), true);
  assert.equal(sameName('X-Frame-Options', 'Referrer-Policy'), false);
  assert.equal(sameName('X-RateLimit-Limit', 'X-RateLimit-Reset'), false);
  assert.equal(sameName('a-b', 'a\rb'), false, '"-" and "\\r" differ only by 0x20 but are not letters');
  assert.equal(sameName('x@y', 'x`y'), false, '"@" and "`" differ only by 0x20 but are not letters');
  assert.equal(sameName('\u212a', 'k'), false, 'no Unicode folding (the Kelvin sign is not a token character)');
  assert.equal(sameName(42, '42'), false);
});

test('hasToken and tokenUnion: case-insensitive tokens, whitespace, `*`', () => {
  assert.equal(hasToken('Origin, Accept-Encoding', 'accept-encoding'), true);
  assert.equal(hasToken('Origin,Accept-Encoding ', ' Accept-Encoding'), true);
  assert.equal(hasToken('Origin', 'Orig'), false);
  assert.equal(hasToken('Originx', 'Origin'), false);
  assert.equal(hasToken('', 'Origin'), false);
  assert.equal(hasToken('*', 'Cookie'), true);
  assert.equal(tokenUnion('Origin', 'Accept-Encoding'), 'Origin, Accept-Encoding');
  assert.equal(tokenUnion('Origin, Accept-Encoding', 'cookie, origin'), 'Origin, Accept-Encoding, cookie');
  assert.equal(tokenUnion(['Origin'], 'Origin'), 'Origin');
  assert.equal(tokenUnion('', 'Cookie'), 'Cookie');
  assert.equal(tokenUnion('Origin', '*'), '*');
  assert.equal(tokenUnion('*', 'Origin'), '*');
});

test('mergeHead: the handler wins, Vary is the union, Set-Cookie lines are all kept', () => {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never));
  const pending = ['X-Frame-Options', 'DENY', 'vary', 'Origin', 'set-cookie', 'a=1', 'X-Other', 'kept'];
  const list = mergeHead(res, pending, { 'x-frame-options': 'SAMEORIGIN', Vary: 'Cookie', 'Set-Cookie': ['b=2', 'c=3'], 'content-length': 5 });
  assert.deepEqual(list, [
    'vary',
    'Origin, Cookie',
    'set-cookie',
    'a=1',
    'X-Other',
    'kept',
    'x-frame-options',
    'SAMEORIGIN',
    'Set-Cookie',
    ['b=2', 'c=3'],
    'content-length',
    5,
  ]);
});

test('mergeHead: flat and nested handler arrays keep their own repeated names', () => {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never));
  assert.deepEqual(mergeHead(res, ['link', '</a>', 'x', '1'], ['Link', '</b>', 'Link', '</c>']), ['x', '1', 'Link', '</b>', 'Link', '</c>']);
  const nested = mergeHead(
    res,
    ['x', '1'],
    [
      ['X', '2'],
      ['y', '3'],
    ],
  );
  assert.deepEqual(nested, ['X', '2', 'y', '3']);
});

test('mergeHead: headers the handler set with setHeader win; Set-Cookie folds into node’s map, the Vary union into the list (where a writeHead Vary joins it)', () => {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never));
  res.setHeader('Content-Security-Policy', "default-src 'none'");
  res.setHeader('Vary', 'Cookie');
  res.setHeader('Set-Cookie', 'mine=1');
  const list = mergeHead(res, ['content-security-policy', "default-src 'self'", 'vary', 'Origin', 'set-cookie', 'ours=1', 'x-a', 'b'], undefined);
  assert.deepEqual(list, ['vary', 'Origin, Cookie', 'x-a', 'b']);
  assert.equal(res.getHeader('content-security-policy'), "default-src 'none'");
  assert.equal(res.getHeader('vary'), undefined);
  assert.deepEqual(res.getHeader('set-cookie'), ['mine=1', 'ours=1']);
});

interface Raw {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

async function serveNode(
  middleware: Middleware[],
  handler: http.RequestListener,
): Promise<{ port: number; get: (path: string, headers?: Record<string, string>) => Promise<Raw>; close: () => Promise<void> }> {
  const server = http.createServer(stack(middleware).node(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const get = (path: string, headers: Record<string, string> = {}): Promise<Raw> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, headers: { origin: ORIGIN, ...headers }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  return { port, get, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const chain = (): Middleware[] => [securityHeaders(), cors({ origins: [ORIGIN] }), csrf({ secret: SECRET }), compression({ minSize: 10 })];
const JSON_BODY = Buffer.from(JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}` })) }));

test('node:http: every way a handler writes its head gets rampart’s headers merged, with or without compression', async () => {
  const handlers: Record<string, http.RequestListener> = {
    '/writehead-object': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-frame-options': 'SAMEORIGIN', vary: 'Cookie', 'set-cookie': 'mine=1' });
      res.end(JSON_BODY);
    },
    '/writehead-array': (_req, res) => {
      res.writeHead(200, 'Fine', ['content-type', 'application/json', 'set-cookie', 'mine=1', 'set-cookie', 'mine2=2']);
      res.end(JSON_BODY);
    },
    '/setheader': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('X-Frame-Options', 'SAMEORIGIN');
      res.setHeader('Vary', 'Cookie');
      res.statusCode = 201;
      res.end(JSON_BODY);
    },
    '/stream': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', vary: 'Cookie' });
      res.write(JSON_BODY.subarray(0, 100));
      res.end(JSON_BODY.subarray(100));
    },
    '/twice': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-a': '1' });
      try {
        res.writeHead(202, { 'x-a': '2', 'x-frame-options': 'SAMEORIGIN' });
      } catch (error) {
        res.end(`threw ${(error as { code?: string }).code}`);
        return;
      }
      res.end('a body long enough to compress, a body long enough to compress');
    },
  };
  const app = await serveNode(chain(), (req, res) => handlers[req.url!]!(req, res));
  try {
    for (const gzip of [false, true]) {
      const ae = gzip ? { 'accept-encoding': 'gzip' } : { 'accept-encoding': 'identity' };
      const decode = (r: Raw): Buffer => (r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.body) : r.body);

      let r = await app.get('/writehead-object', ae);
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN', 'the handler wins');
      assert.equal(r.headers['x-content-type-options'], 'nosniff', 'rampart headers the handler did not set are added');
      assert.equal(r.headers.vary, 'Origin, Accept-Encoding, Cookie', 'Vary is the union');
      assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
      const cookies = r.headers['set-cookie'] as string[];
      assert.ok(cookies.includes('mine=1') && cookies.some((c) => c.startsWith('csrf_token=')), 'both cookies are sent');
      assert.equal(r.headers['content-encoding'], gzip ? 'gzip' : undefined);
      assert.deepEqual(decode(r), JSON_BODY);
      if (gzip) assert.equal(Number(r.headers['content-length']), r.body.length, 'the encoded length replaces the handler’s');

      r = await app.get('/writehead-array', ae);
      assert.equal(r.status, 200);
      assert.equal((r.headers['set-cookie'] as string[]).length, 3);
      assert.deepEqual(decode(r), JSON_BODY);

      r = await app.get('/setheader', ae);
      assert.equal(r.status, 201);
      assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(r.headers.vary, 'Origin, Accept-Encoding, Cookie');
      assert.equal(r.headers['referrer-policy'], 'strict-origin-when-cross-origin');
      assert.deepEqual(decode(r), JSON_BODY);

      r = await app.get('/stream', ae);
      assert.equal(r.headers.vary, 'Origin, Accept-Encoding, Cookie');
      assert.deepEqual(decode(r), JSON_BODY);

      r = await app.get('/twice', ae);
      if (gzip) {
        // Deferred head (compression hook): the second writeHead's values win, as setHeader would.
        assert.equal(r.status, 202);
        assert.equal(r.headers['x-a'], '2');
        assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
      } else {
        assert.equal(r.status, 200);
        assert.equal(r.headers['x-a'], '1');
        assert.equal(r.body.toString(), 'threw ERR_HTTP_HEADERS_SENT', 'a second writeHead throws, as on node:http without rampart');
      }
    }
  } finally {
    await app.close();
  }
});

test('node:http: the handler does not see rampart’s headers in node’s map; a 413 replaces a head written but not yet sent', async () => {
  let seen: unknown = 'unset';
  const app = await serveNode([securityHeaders(), bodyLimit({ maxBytes: 10 }), compression({ minSize: 1 })], (req, res) => {
    if (req.url === '/upload') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2', 'x-app': 'yes' });
      req.on('error', () => undefined);
      req.on('data', () => undefined);
      req.on('end', () => res.end('ok'));
      return;
    }
    seen = res.getHeader('x-content-type-options');
    res.end('hello there, hello there');
  });
  try {
    const r = await app.get('/', { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(seen, undefined, 'on plain node:http rampart’s headers join the head when it is written');

    const upload = await new Promise<Raw>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: app.port,
          path: '/upload',
          method: 'POST',
          headers: { 'accept-encoding': 'gzip', 'content-type': 'text/plain' },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', reject);
      req.write('x'.repeat(8));
      setTimeout(() => req.end('y'.repeat(50)), 50);
    });
    assert.equal(upload.status, 413);
    assert.equal(upload.headers['x-app'], undefined, 'nothing of the handler’s unsent head is mixed into the reply');
    assert.equal(upload.headers['x-content-type-options'], 'nosniff');
    const body = upload.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(upload.body) : upload.body;
    assert.equal(JSON.parse(body.toString()).status, 413);
  } finally {
    await app.close();
  }
});

test('Express: a library that wraps writeHead after rampart (express-session via on-headers) still runs its hook on compressed responses', async () => {
  const { default: express } = await import('express');
  const { default: session } = await import('express-session');
  const app = express();
  app.use(stack(chain()).express());
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, name: 'sid' }));
  app.get('/data', (req, res) => {
    (req.session as unknown as { seen: boolean }).seen = true;
    res.set('x-frame-options', 'SAMEORIGIN').json(JSON.parse(JSON_BODY.toString()));
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    for (const encoding of ['gzip', 'identity']) {
      const r = await new Promise<Raw>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/data', headers: { origin: ORIGIN, 'accept-encoding': encoding }, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
      assert.equal(r.status, 200);
      const cookies = (r.headers['set-cookie'] ?? []) as string[];
      assert.ok(
        cookies.some((c) => c.startsWith('sid=')),
        `${encoding}: the session cookie set in express-session's on-headers hook is sent`,
      );
      assert.ok(
        cookies.some((c) => c.startsWith('csrf_token=')),
        `${encoding}: rampart's cookie too`,
      );
      assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['content-encoding'], encoding === 'gzip' ? 'gzip' : undefined);
      const body = encoding === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
      assert.deepEqual(JSON.parse(body.toString()), JSON.parse(JSON_BODY.toString()));
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('Express: a writeHead wrapper installed after rampart runs once, sees no flat header list, and the response is still compressed', async () => {
  const { default: express } = await import('express');
  const app = express();
  app.use(stack(chain()).express());
  const seen: unknown[] = [];
  app.use((_req, res, next) => {
    // The shape of on-headers before 1.1.0: headers given as an array are read as [name, value] pairs.
    const previous = res.writeHead;
    res.writeHead = function wrapped(this: typeof res, status: number, ...rest: unknown[]) {
      seen.push(rest[0]);
      if (Array.isArray(rest[0])) for (const [name, value] of rest[0] as Array<[string, string]>) this.setHeader(name, value);
      this.setHeader('x-wrapped', 'yes');
      return previous.call(this, status);
    } as typeof res.writeHead;
    next();
  });
  app.get('/data', (_req, res) => void res.type('json').send(JSON_BODY.toString()));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await new Promise<Raw>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/data', headers: { origin: ORIGIN, 'accept-encoding': 'gzip' }, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string | string[]>, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
    assert.equal(r.headers['x-wrapped'], 'yes');
    assert.deepEqual(seen, [undefined], 'the wrapper ran once, without a header list');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers.vary, 'Origin, Accept-Encoding');
    assert.deepEqual(zlib.gunzipSync(r.body), JSON_BODY);
    assert.equal(Number(r.headers['content-length']), r.body.length);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('mergeHead: a non-string name in the handler’s list reaches node, which rejects it as it would without rampart', () => {
  const res = new http.ServerResponse(new http.IncomingMessage(null as never));
  const list = mergeHead(res, ['vary', 'Origin', 'x-a', '1'], [null, 'x', 'Vary', 'Cookie', 'x-a', '2']);
  assert.deepEqual(list, ['vary', 'Origin, Cookie', null, 'x', 'x-a', '2']);
  assert.throws(
    () => res.writeHead(200, list as never),
    (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_HTTP_TOKEN',
  );
});
