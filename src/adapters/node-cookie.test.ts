import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { stack } from '../stack/index.ts';
import type { Middleware } from '../core/types.ts';
import { securityHeaders } from '../headers/index.ts';
import { csrf, csrfToken } from '../csrf/index.ts';
import { compression } from '../compression/index.ts';
import { sessions, getSession, sessionIdOf } from '../auth/index.ts';

// rampart's own cookies (the session's `sid`, csrf's `csrf_token`) must reach the client
// however a node:http or Express app writes its own Set-Cookie: both kept, each line once.

const CSRF_SECRET = 'k9Qz3vT7pL2xW8mN4rB6yH1sD5fJ0gC7eA9uK3oV';
const SESSION_SECRET = 'Qm4Tz8Wp1Lx6Rv3Nb9Kc2Hd7Fs5Gj0Ya8Ue4Io6P';

type Res = http.ServerResponse;
/** Each way: what it does around rampart setting its cookies, and the app cookies node itself would send. */
const WAYS: Record<string, { before?: (res: Res) => void; after: (res: Res) => void; app: string[] }> = {
  'setHeader before, then writeHead with an object': {
    before: (res) => res.setHeader('set-cookie', 'app=1'),
    after: (res) => res.writeHead(200, { 'set-cookie': 'app3=3' }),
    app: ['app3'], // node: a writeHead Set-Cookie replaces the setHeader one
  },
  'setHeader before, then writeHead with a flat list': {
    before: (res) => res.setHeader('set-cookie', 'app=1'),
    after: (res) => res.writeHead(200, 'Fine', ['Set-Cookie', 'app3=3']),
    app: ['app3'],
  },
  'writeHead with an object': { after: (res) => res.writeHead(200, { 'set-cookie': ['app3=3', 'app4=4'] }), app: ['app3', 'app4'] },
  'writeHead with nested pairs': { after: (res) => res.writeHead(200, [['set-cookie', 'app3=3']] as unknown as http.OutgoingHttpHeaders), app: ['app3'] },
  'setHeader after': { after: (res) => res.setHeader('Set-Cookie', 'app=1'), app: ['app'] },
  'setHeader after, then writeHead with an object': {
    after: (res) => {
      res.setHeader('Set-Cookie', 'app=1');
      res.writeHead(200, { 'Set-Cookie': 'app3=3' });
    },
    app: ['app3'],
  },
  'appendHeader after': { after: (res) => res.appendHeader('set-cookie', 'app=1'), app: ['app'] },
  'removeHeader after': { after: (res) => res.removeHeader('set-cookie'), app: [] },
};

const names = (cookies: string[]): string[] => cookies.map((c) => c.slice(0, c.indexOf('='))).sort();

async function listen(server: http.Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function check(label: string, url: string, app: string[], ours: string[]): Promise<void> {
  const res = await fetch(url);
  assert.equal(res.status, 200, label);
  await res.arrayBuffer();
  const cookies = res.headers.getSetCookie();
  const got = names(cookies);
  for (const name of ours) assert.ok(got.includes(name), `${label}: rampart's ${name} is sent (got ${got})`);
  for (const name of app) assert.equal(got.filter((n) => n === name).length, 1, `${label}: the app's ${name} is sent once (got ${got})`);
  assert.equal(new Set(cookies).size, cookies.length, `${label}: no line is sent twice (got ${got})`);
}

/** Chains: headers pending until the head (the usual), compression's head hook, and a chain with nothing pending (rampart's cookies go straight to node's map). */
const CHAINS: Record<string, { chain: () => Middleware[]; ours: string[] }> = {
  'security headers, sessions, csrf': {
    chain: () => [securityHeaders(), sessions({ secret: SESSION_SECRET }), csrf({ secret: CSRF_SECRET, sessionId: sessionIdOf })],
    ours: ['sid', 'csrf_token'],
  },
  'with compression': {
    chain: () => [securityHeaders(), sessions({ secret: SESSION_SECRET }), csrf({ secret: CSRF_SECRET, sessionId: sessionIdOf }), compression({ minSize: 1 })],
    ours: ['sid', 'csrf_token'],
  },
  'sessions alone': { chain: () => [sessions({ secret: SESSION_SECRET })], ours: ['sid'] },
  'csrf alone': { chain: () => [securityHeaders(), csrf({ secret: CSRF_SECRET })], ours: ['csrf_token'] },
};

for (const [chainName, { chain, ours }] of Object.entries(CHAINS)) {
  test(`node:http (${chainName}): rampart's cookies survive every way the handler writes its own Set-Cookie`, async () => {
    let current = '';
    const shield = stack(chain());
    const server = await listen(
      http.createServer(
        shield.node(async (req, res) => {
          const way = WAYS[current]!;
          way.before?.(res);
          if (ours.includes('sid')) await getSession(req)!.set('a', 1);
          if (ours.includes('csrf_token')) csrfToken(req);
          way.after(res);
          res.end('hello there, this is the body');
        }),
      ),
    );
    try {
      for (const [name, way] of Object.entries(WAYS)) {
        current = name;
        await check(name, server.url, way.app, ours);
      }
    } finally {
      await server.close();
    }
  });

  test(`express (${chainName}): rampart's cookies survive res.setHeader, res.set, res.cookie and res.writeHead with a Set-Cookie`, async () => {
    const expressWays: Record<string, { way: (res: express.Response) => void; app: string[] }> = {
      'res.setHeader': { way: (res) => res.setHeader('Set-Cookie', 'app=1'), app: ['app'] },
      'res.set': { way: (res) => res.set('Set-Cookie', 'app=1'), app: ['app'] },
      'res.cookie': { way: (res) => res.cookie('app', '1'), app: ['app'] },
      'res.writeHead with an object': { way: (res) => res.writeHead(200, { 'set-cookie': 'app3=3' }), app: ['app3'] },
    };
    let current = '';
    const app = express();
    app.use(stack(chain()).express());
    app.get('/', async (req, res) => {
      if (ours.includes('sid')) await getSession(req)!.set('a', 1);
      if (ours.includes('csrf_token')) csrfToken(req);
      expressWays[current]!.way(res);
      res.end('hello there, this is the body');
    });
    const server = await listen(http.createServer(app));
    try {
      for (const [name, { app: theirs }] of Object.entries(expressWays)) {
        current = name;
        await check(name, server.url, theirs, ours);
      }
    } finally {
      await server.close();
    }
  });
}
