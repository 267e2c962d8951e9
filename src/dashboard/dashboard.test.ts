/**
 * dashboard() on every adapter, behind rampart's preset: never public (401 without credentials,
 * 403 without the RBAC permission), its own nonce CSP, the summary JSON, and a live event over
 * Server-Sent Events. Construction refuses a dashboard without auth.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rbac } from '../auth/index.ts';
import { isRampartError } from '../errors.ts';
import { SecurityEvent, SecurityLog } from '../log/index.ts';
import { monitor } from '../monitor/index.ts';
import { stack } from '../stack/index.ts';
import { mountDashboard as mount } from '../../test/helpers/dashboard.ts';
import { dashboard } from './index.ts';

const TOKEN = 'adapter-test-token-0123456789abcdef';
let log: SecurityLog;

before(async () => {
  log = new SecurityLog({ flushIntervalMs: 20 });
  for (let i = 0; i < 3; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '203.0.113.7' });
  await log.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '198.51.100.2' });
  await log.flush();
});
after(() => log.close());

test('dashboard() without auth, with a short token or an unknown option is a construction error', () => {
  const rejects = (fn: () => unknown, pattern: RegExp, code = 'ERR_RAMPART_CONFIG'): void => {
    assert.throws(fn, (err: unknown) => isRampartError(err, code as 'ERR_RAMPART_CONFIG') && pattern.test((err as Error).message));
  };
  rejects(() => dashboard({ log } as never), /auth is required.*never public/);
  rejects(() => dashboard({ log, auth: { token: 'short' } }), /at least 24 characters/);
  rejects(() => dashboard({ log, auth: { token: TOKEN }, colour: 'red' } as never), /colour/, 'ERR_RAMPART_UNKNOWN_OPTION');
  rejects(() => dashboard({ log, auth: { token: TOKEN }, path: 'nope/' }), /path/);
  rejects(() => dashboard({ log, auth: {} as never }), /token or permission/);
});

/** Read a server-sent events response until `pattern` appears. */
async function readUntil(res: Response, pattern: RegExp): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 15_000;
  while (!pattern.test(text)) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(text)}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended: ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

for (const adapter of ['node', 'express', 'fastify', 'hono', 'fetch'] as const) {
  test(`${adapter}: the dashboard behind the preset needs the token, answers with its own nonce CSP and streams new events`, async (t) => {
    const dash = dashboard({ log, auth: { token: TOKEN }, pollMs: 50 });
    const server = await mount(adapter, dash);
    t.after(async () => {
      await server.close();
      await dash.close();
    });
    const bearer = { authorization: `Bearer ${TOKEN}` };

    assert.equal((await fetch(`${server.url}/_rampart/api/summary`)).status, 401);
    const wrong = await fetch(`${server.url}/_rampart/api/events`, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(await (await fetch(`${server.url}/app`)).text(), 'app', 'other routes reach the app');

    const page = await fetch(`${server.url}/_rampart`, { headers: bearer });
    assert.equal(page.status, 200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.ok(html.includes(`<script nonce="${nonce}" src="/_rampart/assets/dashboard.js">`), 'the script carries the nonce of the policy sent');
    assert.equal(page.headers.get('cache-control'), 'no-store');

    const script = await fetch(`${server.url}/_rampart/assets/dashboard.js`, { headers: bearer });
    assert.equal(script.status, 200);
    assert.match(await script.text(), /uPlot/);

    const summary = (await (await fetch(`${server.url}/_rampart/api/summary`, { headers: bearer })).json()) as {
      counts: Array<{ event: string; count: number }>;
      topIps: Array<{ ip: string; count: number }>;
    };
    assert.equal(summary.counts.find((c) => c.event === 'LOGIN_FAILED')?.count, 3);
    assert.deepEqual(
      summary.topIps.find((x) => x.ip === '203.0.113.7'),
      { ip: '203.0.113.7', count: 3 },
    );

    const events = await fetch(`${server.url}/_rampart/api/events`, { headers: bearer });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    const marker = `sse-${adapter}`;
    const seen = readUntil(events, new RegExp(marker));
    await log.log(SecurityEvent.INVALID_TOKEN, { ip: `192.0.2.${adapter.length}`, detail: marker });
    const text = await seen;
    assert.match(text, new RegExp(`event: security\\ndata: \\{[^\\n]*"detail":"${marker}"`));
  });
}

test('RBAC: no user → 401, a user without the permission → 403, with it → 200', async (t) => {
  const access = rbac({ roles: { admin: { permissions: ['security:read'] }, viewer: { permissions: ['posts:read'] } } });
  const dash = dashboard({
    log,
    auth: {
      permission: 'security:read',
      rbac: access,
      user: (req) => {
        const role = (req as http.IncomingMessage).headers['x-role'];
        return typeof role === 'string' ? { id: 'u1', roles: [role] } : undefined;
      },
    },
  });
  const server = await mount('node', dash);
  t.after(async () => {
    await server.close();
    await dash.close();
  });
  const get = (role?: string) => fetch(`${server.url}/_rampart/api/summary`, { headers: role === undefined ? {} : { 'x-role': role } });
  assert.equal((await get()).status, 401);
  assert.equal((await get('viewer')).status, 403);
  assert.equal((await get('admin')).status, 200);
});

test('with the app monitor, the summary carries the 4xx and 5xx rates of all responses', async (t) => {
  const m = monitor({ window: 3600 });
  const shield = stack([m]);
  const app = http.createServer(
    shield.node((req, res) => {
      const status = req.url === '/missing' ? 404 : req.url === '/boom' ? 500 : 200;
      res.writeHead(status).end();
    }),
  );
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    await shield.close();
  });
  const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  for (const path of ['/', '/', '/', '/missing', '/missing', '/boom']) await (await fetch(base + path)).arrayBuffer();

  const dash = dashboard({ log, auth: { token: TOKEN }, monitor: m });
  t.after(() => dash.close());
  const res = await dash.fetch(new Request('http://localhost/_rampart/api/summary', { headers: { authorization: `Bearer ${TOKEN}` } }));
  const summary = (await res.json()) as { responses: Array<{ total: number; clientErrors: number; serverErrors: number }> };
  const current = summary.responses.at(-1)!;
  assert.deepEqual([current.total, current.clientErrors, current.serverErrors], [6, 2, 1]);
  assert.throws(() => dashboard({ log, auth: { token: TOKEN }, monitor: {} as never }), /monitor\(\)/);
});
