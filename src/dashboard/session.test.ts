/**
 * The dashboard's browser session on every adapter: the sign-in form works (Fastify too, with
 * no form parser of the app), each sign-in gets its own cookie carrying a random id, sign-out
 * revokes that cookie on the server (a replay is refused), and the mount answers for the same
 * canonical path on every adapter.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog } from '../log/index.ts';
import { DASHBOARD_ADAPTERS, mountDashboard } from '../../test/helpers/dashboard.ts';
import { rawRequest } from '../../test/helpers/raw-http.ts';
import { compileAuth, SESSION_SECONDS } from './auth.ts';
import { dashboard } from './index.ts';

const TOKEN = 'session-test-Zq6PyLcIMkK40JuMneHJLbPA';
let log: SecurityLog;
before(() => {
  log = new SecurityLog({ flushIntervalMs: 20 });
});
after(() => log.close());

/** What the sign-in page's form sends from a browser; the cookie set, or the status when none. */
async function signIn(url: string, token = TOKEN): Promise<{ status: number; cookie: string | undefined }> {
  const res = await fetch(`${url}/_rampart/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: url },
    body: new URLSearchParams({ token }).toString(),
  });
  await res.arrayBuffer();
  const set = res.headers.get('set-cookie') ?? '';
  return { status: res.status, cookie: /^(rampart_dashboard=[^;]+)/.exec(set)?.[1] };
}

for (const adapter of DASHBOARD_ADAPTERS) {
  test(`${adapter}: a browser signs in with the form, each sign-in has its own cookie, and sign-out revokes it on the server`, async (t) => {
    const dash = dashboard({ log, auth: { token: TOKEN } });
    const server = await mountDashboard(adapter, dash);
    t.after(async () => {
      await server.close();
      await dash.close();
    });
    const summary = async (cookie: string): Promise<number> => {
      const res = await fetch(`${server.url}/_rampart/api/summary`, { headers: { cookie } });
      await res.arrayBuffer();
      return res.status;
    };

    assert.equal((await signIn(server.url, `${TOKEN.slice(0, -1)}x`)).status, 401, 'a wrong token does not sign in');
    const first = await signIn(server.url);
    assert.equal(first.status, 303, 'the sign-in form works');
    assert.ok(first.cookie !== undefined);
    const second = await signIn(server.url);
    assert.ok(second.cookie !== undefined);
    assert.notEqual(first.cookie, second.cookie, 'two sign-ins never share a cookie');
    const id = first.cookie.split('=')[1]!.split('.')[1] ?? '';
    assert.ok(Buffer.from(id, 'base64url').length >= 16, `the cookie carries a random id of at least 128 bits (${first.cookie})`);
    assert.equal(await summary(first.cookie), 200);
    assert.equal(await summary(second.cookie), 200);

    const out = await fetch(`${server.url}/_rampart/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: first.cookie, 'sec-fetch-site': 'same-origin', origin: server.url },
    });
    await out.arrayBuffer();
    assert.equal(out.status, 303);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal(await summary(first.cookie), 401, 'the signed-out cookie replayed is refused');
    assert.equal(await summary(second.cookie), 200, 'another session is not signed out');
  });
}

test('a forged expiry or id fails the signature; the revocation set is bounded and fails closed when full', () => {
  const gate = compileAuth({ token: TOKEN });
  const now = Date.now();
  const value = gate.session(TOKEN, now)!;
  const [expires, id, mac] = value.split('.') as [string, string, string];
  assert.ok(Number(expires) * 1000 - now <= SESSION_SECONDS * 1000 + 1000);
  const check = (v: string) => gate.check(undefined, (name) => (name === 'cookie' ? `rampart_dashboard=${v}` : undefined));
  return (async () => {
    assert.equal(await check(value), 'allow');
    assert.equal(await check(`${Number(expires) + 1_000_000}.${id}.${mac}`), 'unauthenticated');
    assert.equal(await check(`${expires}.${'A'.repeat(id.length)}.${mac}`), 'unauthenticated');
    assert.equal(await check(`${expires}.${mac}`), 'unauthenticated', 'the old two-part shape is refused');
    // Far more sign-outs than the set holds: the oldest revoked cookie must stay refused.
    const revoked = gate.session(TOKEN, now)!;
    gate.revoke(revoked, now);
    for (let i = 0; i < 20_000; i++) gate.revoke(gate.session(TOKEN, now)!, now);
    assert.equal(await check(revoked), 'unauthenticated', 'a revoked cookie stays refused when the set overflows');
    assert.equal(await check(gate.session(TOKEN, Date.now() + 1000)!), 'allow', 'a later sign-in works');
  })();
});

test('the mount answers for the same canonical path on every adapter (// runs, case, %-escapes, absolute-form)', async (t) => {
  const dash = dashboard({ log, auth: { token: TOKEN } });
  t.after(() => dash.close());
  for (const adapter of DASHBOARD_ADAPTERS) {
    const server = await mountDashboard(adapter, dash);
    try {
      const { port } = new URL(server.url);
      for (const target of [
        '/_rampart/api/summary',
        '//_rampart/api/summary',
        '/_RAMPART/api/summary',
        '/%5frampart/api/summary',
        `http://127.0.0.1:${port}/_rampart/api/summary`,
      ]) {
        const res = await rawRequest(server.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
        assert.match(res, /^HTTP\/1\.1 401 [^\r]*\r\n[\s\S]*Authentication required/, `${adapter} ${target}: ${res.slice(0, 300)}`);
      }
    } finally {
      await server.close();
    }
  }
});
