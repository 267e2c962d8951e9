/**
 * One canonical path for every path-scoped decision (issue 12 item 1): through each
 * adapter's REAL router (Express with its default case-insensitive routes, Fastify,
 * Hono, node and fetch handlers routing on `new URL(req.url, base).pathname`), every
 * variant of a protected path that reaches the protected handler must be under the rule
 * (rate-limit rule on /login, signed /api/secure/pay, CSRF and inputGuard with an
 * exempt /static/ prefix), and the ambiguous variants get 400.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveNode } from '@hono/node-server';
import { canonicalPath } from '../core/canonical.ts';
import type { EventSink, SecurityEventRecord } from '../core/types.ts';
import { csrf } from '../csrf/index.ts';
import { inputGuard } from '../input/guard.ts';
import { rateLimit } from '../ratelimit/index.ts';
import { requireSignedRequest } from '../auth/signing/hmac-request.ts';
import { securityHeaders } from '../headers/index.ts';
import { stack, type Shield } from './index.ts';
import { rampart } from '../preset.ts';
import { ADAPTERS, type AdapterName } from '../../test/helpers/adapters.ts';
import { rawRequest, statusOf } from '../../test/helpers/raw-http.ts';
import { isRampartError } from '../errors.ts';

test('canonicalPath: decoding, separators, dot segments, case', () => {
  const cases: Array<[string, string, boolean]> = [
    ['/login', '/login', true],
    ['/LOGIN', '/login', true],
    ['/login/', '/login/', true],
    ['//login', '/login', false],
    ['/a//b///c', '/a/b/c', false],
    ['/./login', '/login', false],
    ['/a/./b/.', '/a/b', false],
    ['/%6cogin', '/login', false],
    ['/%6Cogin', '/login', false],
    ['/%4COGIN', '/login', false],
    ['/\\login', '/login', false],
    ['/api\\secure\\pay', '/api/secure/pay', false],
    ['/caf%C3%A9', '/café', true],
    ['/a%20b', '/a b', true],
    ['/a%252e%252e', '/a%2e%2e', true],
    ['/.well-known/acme-challenge/x', '/.well-known/acme-challenge/x', true],
    ['/', '/', true],
    ['*', '*', true],
  ];
  for (const [raw, path, normal] of cases) {
    const v = canonicalPath(raw);
    assert.equal(v.error, undefined, raw);
    assert.equal(v.path, path, raw);
    assert.equal(v.normal, normal, raw);
  }
});

test('canonicalPath: ambiguous targets are refused', () => {
  for (const raw of [
    '/api%2Fsecure/pay',
    '/api%2fsecure',
    '/a%5Cb',
    '/a%5cb',
    '/login%00',
    '/login\0',
    '/x/../login',
    '/x/..',
    '/x/%2e%2e/login',
    '/x/.%2E/login',
    '/x/%2e./login',
    '/a\\..\\login',
    '/login%C0%AF',
    '/login%FF',
    '/login%ED%A0%80',
    '/login%',
    '/login%g0',
    '/login%2',
    'login',
    '',
  ]) {
    assert.notEqual(canonicalPath(raw).error, undefined, JSON.stringify(raw));
  }
});

test('canonicalPath: allowEncodedSlashes keeps %2F encoded and still refuses dot-dot through it', () => {
  assert.deepEqual(canonicalPath('/files/a%2Fb', { allowEncodedSlashes: true }), { path: '/files/a%2fb', normal: false, error: undefined });
  assert.notEqual(canonicalPath('/files/a%2F..%2Fb', { allowEncodedSlashes: true }).error, undefined);
  assert.notEqual(canonicalPath('/files/a%2F%2e%2e%2Fb', { allowEncodedSlashes: true }).error, undefined);
  assert.notEqual(canonicalPath('/files/%00', { allowEncodedSlashes: true }).error, undefined);
});

test('stack({ allowEncodedSlashes }) and the preset option are validated', () => {
  assert.throws(
    () => stack([], { allowEncodedSlashes: 'yes' as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => rampart({ allowEncodedSlashes: 1 as never, log: false }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.equal(rampart({ allowEncodedSlashes: true, log: false }).context.allowEncodedSlashes, true);
});

const SECRET = 'signing-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';
const HIT = 'HIT:';

type Route = 'LOGIN' | 'PAY' | 'ADMIN' | 'SEARCH' | 'STATIC' | 'ROOT';

function routeOfPath(pathname: string, method: string): Route | undefined {
  if (pathname === '/login' && method === 'GET') return 'LOGIN';
  if (pathname === '/api/secure/pay' && method === 'POST') return 'PAY';
  if (pathname === '/admin' && method === 'POST') return 'ADMIN';
  if (pathname === '/search' && method === 'GET') return 'SEARCH';
  if (pathname.startsWith('/static/')) return 'STATIC';
  if (pathname === '/') return 'ROOT';
  return undefined;
}

function drain(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.resume();
    req.on('end', resolve);
    req.on('error', () => resolve());
  });
}

interface Running {
  url: string;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<Running> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The shield in front of each adapter's own router with the protected routes. */
async function serveRouted(adapter: AdapterName, shield: Shield): Promise<Running> {
  switch (adapter) {
    case 'node': {
      const server = http.createServer(
        shield.node(async (req, res) => {
          await drain(req);
          const route = routeOfPath(new URL(req.url!, `http://${req.headers.host}`).pathname, req.method!);
          res.statusCode = route === undefined ? 404 : 200;
          res.end(route === undefined ? 'none' : HIT + route);
        }),
      );
      return listen(server);
    }
    case 'express': {
      const e = express();
      e.use(shield.express());
      const hit = (route: Route) => (_req: express.Request, res: express.Response) => void res.end(HIT + route);
      e.get('/login', hit('LOGIN'));
      e.post('/api/secure/pay', hit('PAY'));
      e.post('/admin', hit('ADMIN'));
      e.get('/search', hit('SEARCH'));
      e.all('/static/{*rest}', hit('STATIC'));
      e.get('/', hit('ROOT'));
      return listen(http.createServer(e));
    }
    case 'fastify': {
      const f = Fastify();
      f.removeAllContentTypeParsers();
      f.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      await f.register(shield.fastify());
      f.get('/login', async () => `${HIT}LOGIN`);
      f.post('/api/secure/pay', async () => `${HIT}PAY`);
      f.post('/admin', async () => `${HIT}ADMIN`);
      f.get('/search', async () => `${HIT}SEARCH`);
      f.all('/static/*', async () => `${HIT}STATIC`);
      f.get('/', async () => `${HIT}ROOT`);
      await f.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`, close: () => f.close() };
    }
    case 'hono': {
      const h = new Hono();
      h.use(shield.hono());
      h.get('/login', (c) => c.text(`${HIT}LOGIN`));
      h.post('/api/secure/pay', (c) => c.text(`${HIT}PAY`));
      h.post('/admin', (c) => c.text(`${HIT}ADMIN`));
      h.get('/search', (c) => c.text(`${HIT}SEARCH`));
      h.all('/static/*', (c) => c.text(`${HIT}STATIC`));
      h.get('/', (c) => c.text(`${HIT}ROOT`));
      return listen(serveNode({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server);
    }
    case 'fetch': {
      const handler = shield.fetch(async (request: Request) => {
        if (request.body !== null) await request.arrayBuffer();
        const route = routeOfPath(new URL(request.url).pathname, request.method);
        return new Response(route === undefined ? 'none' : HIT + route, { status: route === undefined ? 404 : 200 });
      });
      const server = serveNode({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as http.Server;
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      return listen(server);
    }
  }
}

/** Variants of a path as clients can send them. */
function variants(path: string): string[] {
  const tail = path.slice(1);
  const first = tail.charCodeAt(0);
  const upperFirst = `/${tail[0]!.toUpperCase()}${tail.slice(1)}`;
  return [
    path,
    path.toUpperCase(),
    upperFirst,
    `${path}/`,
    `/${path}`,
    path.replaceAll('/', '//'),
    `/.${path}`,
    path.replace(/\/([^/]*)$/, '/./$1'),
    `${path}/.`,
    `/x/..${path}`,
    `/x/%2e%2e${path}`,
    `/x/.%2E${path}`,
    `${path}/..`,
    `/%${first.toString(16)}${tail.slice(1)}`,
    `/%${first.toString(16).toUpperCase()}${tail.slice(1)}`,
    path.replace(/[a-z]$/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    `/\\${tail}`,
    `\\${tail}`,
    path.replaceAll('/', '\\'),
    `http://app.example.com${path}`,
    `HTTP://APP.EXAMPLE.COM${path.toUpperCase()}`,
    `http://evil.example${path}`,
    `http://app.example.com@evil.example${path}`,
    `${path}%00`,
    `${path}%2f`,
    `${path}%2F`,
    `${path}%5c`,
    path.replace('/', '%2f'),
    path.replace(/\/([^/]*)$/, '%2F$1'),
    `${path}%C0%AF`,
    `${path}%FF`,
    `${path};x`,
    `/static/..${path}`,
    `/static/%2e%2e${path}`,
    `/static/..%2f${tail}`,
    `/static%2f..%2f${tail}`,
    `/static\\..${path.replaceAll('/', '\\')}`,
    `/static/x/../..${path}`,
  ];
}

/** True for the variants rampart must answer 400 whatever the router would do. */
function ambiguous(target: string): boolean {
  const path = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/]*/i, '') : target;
  if (/^https?:\/\/(?!app\.example\.com\/)/i.test(target)) return true; // authority ≠ Host, userinfo
  if (/%2f|%5c|%00|%c0|%ff/i.test(path)) return true;
  return path.split(/[/\\]/).some((s) => /^(?:\.|%2e){2}$/i.test(s));
}

interface Family {
  path: string;
  route: Route;
  method: string;
  headers: string;
  query: string;
  /** True when the response shows the request was under the rule (it still reached the handler). */
  underRule(head: string, status: number): boolean;
}

const FAMILIES: Family[] = [
  // Rate-limit rule: the response carries the rule's limit (500), not the global one (10000).
  { path: '/login', route: 'LOGIN', method: 'GET', headers: '', query: '', underRule: (head) => /\r\nx-ratelimit-limit: 500\r\n/i.test(head) },
  // Signed path: an unsigned POST must never reach the handler.
  { path: '/api/secure/pay', route: 'PAY', method: 'POST', headers: 'Content-Type: text/plain\r\nContent-Length: 2\r\n', query: '', underRule: () => false },
  // CSRF (exempt /static/): a cross-site POST must never reach the protected handler.
  {
    path: '/admin',
    route: 'ADMIN',
    method: 'POST',
    headers: 'Origin: https://evil.example\r\nSec-Fetch-Site: cross-site\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n',
    query: '',
    underRule: () => false,
  },
  // inputGuard (exempt /static/): an attack in the query must never reach the protected handler.
  { path: '/search', route: 'SEARCH', method: 'GET', headers: '', query: '?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E', underRule: () => false },
];

function makeShield(sink: EventSink): Shield {
  return stack(
    [
      securityHeaders(),
      rateLimit({ maxRequests: 10_000, window: 60, rules: [{ match: '/login', maxRequests: 500, window: 60 }] }),
      requireSignedRequest({ secret: SECRET, paths: ['/api/secure/'] }),
      csrf({ mode: 'origin', exemptPaths: ['/static/'] }),
      inputGuard({ mode: 'block', exemptPaths: ['/static/'] }),
    ],
    { events: sink },
  );
}

async function send(url: string, family: Family, target: string): Promise<{ status: number; head: string; body: string }> {
  const body = family.method === 'POST' ? 'hi' : '';
  const response = await rawRequest(
    url,
    `${family.method} ${target}${family.query} HTTP/1.1\r\nHost: app.example.com\r\n${family.headers}Connection: close\r\n\r\n${body}`,
  );
  const split = response.indexOf('\r\n\r\n');
  return { status: statusOf(response), head: response.slice(0, split + 2), body: response.slice(split + 4) };
}

for (const adapter of ADAPTERS) {
  test(`canonical path through the ${adapter} router: every variant that reaches a protected handler is under its rule; ambiguous ones get 400`, async () => {
    const events: SecurityEventRecord[] = [];
    const shield = makeShield({ emit: (r) => events.push(r) });
    const app = await serveRouted(adapter, shield);
    const failures: string[] = [];
    try {
      // Sanity: the rule, the exemption and the routes work for the plain paths.
      const login = await send(app.url, FAMILIES[0]!, '/login');
      assert.ok(
        login.body.includes(`${HIT}LOGIN`) && FAMILIES[0]!.underRule(login.head, login.status),
        `${adapter}: /login reaches its handler under the rule`,
      );
      const exempt = await send(app.url, FAMILIES[2]!, '/static/a.css');
      assert.ok(exempt.body.includes(`${HIT}STATIC`), `${adapter}: an exempt path passes CSRF`);
      for (const family of FAMILIES) {
        for (const target of variants(family.path)) {
          const r = await send(app.url, family, target);
          const reached = r.body.includes(HIT + family.route);
          if (reached && !family.underRule(r.head, r.status))
            failures.push(`${family.method} ${target} reached ${family.route} outside its rule (status ${r.status})`);
          if (ambiguous(target) && r.status !== 400) failures.push(`${family.method} ${target}: ${r.status}, expected 400`);
        }
      }
    } finally {
      await app.close();
      await shield.close();
    }
    assert.deepEqual(failures, []);
    const refused = events.filter((e) => e.event === 'INVALID_REQUEST_TARGET');
    assert.ok(refused.length > 0, 'ambiguous targets are logged');
    assert.ok(
      refused.some((e) => e.path === '/x/../login'),
      'the raw path is kept in the event',
    );
  });
}

test('an ambiguous target gets a problem+json 400 that carries the security headers', async () => {
  const shield = makeShield({ emit: () => undefined });
  const app = await serveRouted('node', shield);
  try {
    const r = await send(app.url, FAMILIES[0]!, '/api%2Fsecure/pay');
    assert.equal(r.status, 400);
    assert.match(r.head, /\r\ncontent-type: application\/problem\+json\r\n/i);
    assert.match(r.head, /\r\nx-content-type-options: nosniff\r\n/i);
    assert.match((JSON.parse(r.body) as { detail: string }).detail, /encoded "\/"/);
  } finally {
    await app.close();
    await shield.close();
  }
});

test('allowEncodedSlashes: %2F passes (announced), dot-dot through it still does not', async () => {
  const shield = stack([rateLimit({ maxRequests: 10_000, window: 60, rules: [{ match: '/files/', maxRequests: 500, window: 60 }] })], {
    allowEncodedSlashes: true,
    events: { emit: () => undefined },
  });
  const app = await serveRouted('node', shield);
  try {
    const ok = await send(app.url, FAMILIES[0]!, '/files/a%2Fb');
    assert.equal(ok.status, 404);
    assert.match(ok.head, /\r\nx-ratelimit-limit: 500\r\n/i);
    assert.equal((await send(app.url, FAMILIES[0]!, '/files/a%2F..%2F..%2Flogin')).status, 400);
  } finally {
    await app.close();
    await shield.close();
  }
});
