/**
 * HTTP/2 (node:http2, compat API, with and without allowHTTP1): the authority is the
 * `:authority` pseudo-header — there is no Host header. Each preset section (headers,
 * CORS, rate limit, CSRF, compression, host guard) over a real HTTP/2 TLS connection,
 * for the node adapter, Fastify (`http2: true`) and Hono / fetch on @hono/node-server.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { rampart } from '../preset.ts';
import type { Shield } from '../stack/index.ts';
import type { FetchHandler } from '../adapters/fetch.ts';
import { selfSignedSync } from '../../test/helpers/certs.ts';

/** A self-signed certificate for app.example.com, made for this run with the openssl CLI. */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'rampart-h2-'));
  try {
    selfSignedSync('app.example.com', path.join(dir, 'key.pem'), path.join(dir, 'cert.pem'), ['DNS:app.example.com', 'IP:127.0.0.1']);
    return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tls = selfSigned();
const CSRF_SECRET = randomBytes(48).toString('base64');
const BODY = JSON.stringify({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item ${i}` })) });

function makeShield(): Shield {
  return rampart({
    allowedHosts: ['app.example.com'],
    cors: { origins: ['https://partner.example'] },
    rateLimit: { maxRequests: 3, window: 60 },
    csrf: { secret: CSRF_SECRET },
    log: false,
  });
}

interface Running {
  port: number;
  close(): Promise<void>;
}

type Kind = 'node' | 'node+http1' | 'fastify' | 'hono' | 'fetch';

async function start(kind: Kind, shield: Shield): Promise<Running> {
  const reply = (method: string): { status: number; body: string } => ({ status: 200, body: method === 'POST' ? 'posted' : BODY });
  if (kind === 'node' || kind === 'node+http1') {
    const server = http2.createSecureServer(
      { ...tls, allowHTTP1: kind === 'node+http1' },
      shield.node((req, res) => {
        req.resume();
        req.on('end', () => {
          const out = reply(req.method!);
          res.writeHead(out.status, { 'content-type': 'application/json' });
          res.end(out.body);
        });
      }) as never,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  if (kind === 'fastify') {
    const f = Fastify({ http2: true, https: { ...tls, allowHTTP1: true } });
    f.removeAllContentTypeParsers();
    f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    await f.register(shield.fastify());
    f.all('/*', async (request, res) => {
      res.header('content-type', 'application/json');
      return reply(request.method).body;
    });
    await f.listen({ port: 0, host: '127.0.0.1' });
    return { port: (f.server.address() as AddressInfo).port, close: () => f.close() };
  }
  let fetchHandler: FetchHandler;
  if (kind === 'hono') {
    const h = new Hono();
    h.use(shield.hono());
    h.all('*', async (c) => {
      if (c.req.method === 'POST') await c.req.text();
      return c.body(reply(c.req.method).body, 200, { 'content-type': 'application/json' });
    });
    fetchHandler = h.fetch;
  } else {
    fetchHandler = shield.fetch(async (request) => {
      if (request.body !== null) await request.text();
      return new Response(reply(request.method).body, { headers: { 'content-type': 'application/json' } });
    });
  }
  const server = serveNode({
    fetch: fetchHandler,
    port: 0,
    hostname: '127.0.0.1',
    createServer: http2.createSecureServer,
    serverOptions: { ...tls },
  } as never) as unknown as http2.Http2SecureServer;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':authority': 'app.example.com', ...headers }, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

const KINDS: Kind[] = ['node', 'node+http1', 'fastify', 'hono', 'fetch'];

for (const kind of KINDS) {
  test(`HTTP/2 (${kind}): every preset section works over a real TLS connection, authority from :authority`, async () => {
    const shield = makeShield();
    const app = await start(kind, shield);
    const session = http2.connect(`https://127.0.0.1:${app.port}`, { ca: tls.cert, servername: 'app.example.com' });
    try {
      // Host guard: the :authority is judged (no Host header on HTTP/2) — allowed host passes.
      const ok = await h2(session, { ':path': '/items', 'accept-encoding': 'gzip' });
      assert.equal(ok.status, 200, ok.body.toString());
      // Headers.
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');
      assert.ok(ok.headers['content-security-policy'] !== undefined);
      // Compression.
      assert.equal(ok.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(ok.body).toString(), BODY);
      // CSRF: a token cookie on GET; a POST with cookie and header passes, a cross-site POST does not.
      const cookie = String(([] as string[]).concat(ok.headers['set-cookie'] ?? []).find((c) => c.startsWith('csrf_token=')) ?? '').split(';')[0]!;
      assert.match(cookie, /^csrf_token=./);
      const token = cookie.slice('csrf_token='.length);
      const posted = await h2(
        session,
        {
          ':method': 'POST',
          ':path': '/form',
          cookie,
          'x-csrf-token': token,
          origin: 'https://app.example.com',
          'sec-fetch-site': 'same-origin',
          'content-type': 'text/plain',
        },
        'x',
      );
      assert.equal(posted.status, 200, posted.body.toString());
      const forged = await h2(
        session,
        { ':method': 'POST', ':path': '/form', cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
        'x',
      );
      assert.equal(forged.status, 403);
      // CORS: preflight from the allowed origin.
      const preflight = await h2(session, {
        ':method': 'OPTIONS',
        ':path': '/items',
        origin: 'https://partner.example',
        'access-control-request-method': 'GET',
      });
      assert.ok(preflight.status === 204 || preflight.status === 200, String(preflight.status));
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://partner.example');
      // Host guard: another :authority, or a Host header disagreeing with :authority, gets 400.
      assert.equal((await h2(session, { ':path': '/items', ':authority': 'evil.example' })).status, 400);
      assert.equal((await h2(session, { ':path': '/items', host: 'evil.example' })).status, 400);
      // Rate limit: 3 per window (the preflight is not counted by some stacks; keep going until 429).
      let limited: H2Response | undefined;
      for (let i = 0; i < 6 && limited === undefined; i++) {
        const r = await h2(session, { ':path': '/items' });
        if (r.status === 429) limited = r;
      }
      assert.ok(limited !== undefined, 'the rate limit answers 429');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    } finally {
      session.close();
      await app.close();
      await shield.close();
    }
  });
}

test('HTTP/2 server with allowHTTP1: an HTTP/1.1 client is still judged on Host / absolute-form', async () => {
  const shield = makeShield();
  const app = await start('node+http1', shield);
  const get = (path: string, host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: app.port, path, method: 'GET', headers: { host }, ca: tls.cert, servername: 'app.example.com' },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    assert.equal(await get('/items', 'app.example.com'), 200);
    assert.equal(await get('/items', 'evil.example'), 400);
    assert.equal(await get('http://evil.example/items', 'app.example.com'), 400);
  } finally {
    await app.close();
    await shield.close();
  }
});
