import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply } from 'fastify';
import { stack } from '../stack/index.ts';
import { securityHeaders } from '../headers/index.ts';
import { csrf, csrfToken } from '../csrf/index.ts';
import { sessions, getSession, sessionIdOf } from '../auth/index.ts';

// rampart's own cookies (the session's `sid`, csrf's `csrf_token`) must reach the client
// however a Fastify app sets its own Set-Cookie: both are kept, each line once.

const CSRF_SECRET = 'k9Qz3vT7pL2xW8mN4rB6yH1sD5fJ0gC7eA9uK3oV';
const SESSION_SECRET = 'Qm4Tz8Wp1Lx6Rv3Nb9Kc2Hd7Fs5Gj0Ya8Ue4Io6P';

type Way = (reply: FastifyReply) => void;

const WAYS: Record<string, { before?: Way; after?: Way; hook?: boolean; app: string[] }> = {
  'reply.header before the session is set': { before: (reply) => reply.header('set-cookie', 'app=1'), app: ['app'] },
  'reply.header after': { after: (reply) => reply.header('set-cookie', 'app=1'), app: ['app'] },
  'reply.header with an array': { after: (reply) => reply.header('set-cookie', ['app=1', 'b=2']), app: ['app', 'b'] },
  'reply.headers({})': { after: (reply) => reply.headers({ 'set-cookie': 'app=1' }), app: ['app'] },
  'an onSend hook (as @fastify/cookie)': { hook: true, app: ['fromhook'] },
  'reply.raw.setHeader': { after: (reply) => reply.raw.setHeader('set-cookie', 'app=1'), app: ['app'] },
  'no cookie of the app': { app: [] },
};

async function serveFastify(withSessions: boolean, way: () => (typeof WAYS)[string]): Promise<{ url: string; close: () => Promise<void> }> {
  const shield = withSessions
    ? stack([securityHeaders(), sessions({ secret: SESSION_SECRET }), csrf({ secret: CSRF_SECRET, sessionId: sessionIdOf })])
    : stack([securityHeaders(), csrf({ secret: CSRF_SECRET })]);
  const app = Fastify();
  await app.register(shield.fastify());
  app.addHook('onSend', async (_request, reply, payload) => {
    if (way().hook) reply.header('set-cookie', 'fromhook=1');
    return payload;
  });
  app.get('/', async (request, reply) => {
    const w = way();
    w.before?.(reply);
    if (withSessions) await getSession(request)!.set('a', 1);
    csrfToken(request);
    w.after?.(reply);
    return 'x';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`, close: () => app.close() };
}

const names = (cookies: string[]): string[] => cookies.map((c) => c.slice(0, c.indexOf('='))).sort();

for (const withSessions of [true, false]) {
  test(`fastify: rampart's ${withSessions ? 'sid and csrf_token cookies' : 'csrf_token cookie (csrf alone)'} survive every way the app sets its own Set-Cookie`, async () => {
    let current = '';
    const server = await serveFastify(withSessions, () => WAYS[current]!);
    try {
      for (const [name, way] of Object.entries(WAYS)) {
        current = name;
        const res = await fetch(server.url);
        assert.equal(res.status, 200, name);
        const cookies = res.headers.getSetCookie();
        const got = names(cookies);
        for (const ours of withSessions ? ['sid', 'csrf_token'] : ['csrf_token']) assert.ok(got.includes(ours), `${name}: ${ours} is sent (got ${got})`);
        for (const theirs of way.app) assert.equal(got.filter((n) => n === theirs).length, 1, `${name}: the app's ${theirs} is sent once (got ${got})`);
        assert.equal(new Set(cookies).size, cookies.length, `${name}: no line is sent twice`);
      }
    } finally {
      await server.close();
    }
  });
}
