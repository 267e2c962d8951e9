/**
 * Sign-out holds across processes: dashboards that share one log database (here two
 * instances with their own connection pools to one real PostgreSQL, as two app processes
 * would have, one reading the database by URL and one through the app's SecurityLog) refuse a
 * cookie that was signed out on either of them, and so does one started afterwards. When the
 * database cannot say whether a cookie was signed out, the cookie is refused (fails closed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecurityLog } from '../log/index.ts';
import { startPostgres } from '../../test/helpers/services.ts';
import { mountDashboard } from '../../test/helpers/dashboard.ts';
import { dashboard } from './index.ts';

const TOKEN = 'shared-signout-token-0123456789abcdef';

async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/_rampart/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: url },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  await res.arrayBuffer();
  const cookie = /^(rampart_dashboard=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  assert.equal(res.status, 303);
  assert.ok(cookie !== undefined);
  return cookie;
}

async function signOut(url: string, cookie: string): Promise<number> {
  const res = await fetch(`${url}/_rampart/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'sec-fetch-site': 'same-origin', origin: url } });
  await res.arrayBuffer();
  return res.status;
}

/** The status of the page itself (it reads nothing from the log: only the session decides). */
async function page(url: string, cookie: string): Promise<number> {
  const res = await fetch(`${url}/_rampart`, { headers: { cookie, accept: 'application/json' } });
  await res.arrayBuffer();
  return res.status;
}

test('a dashboard cookie signed out in one process is refused by every process sharing the log database', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const log = new SecurityLog({ database: pg.url, flushIntervalMs: 20 });
  await log.ensureTable();
  const one = dashboard({ log: pg.url, auth: { token: TOKEN } });
  const two = dashboard({ log, auth: { token: TOKEN } });
  const a = await mountDashboard('node', one);
  const b = await mountDashboard('express', two);
  t.after(async () => {
    await a.close();
    await b.close();
    await one.close();
    await two.close();
    await log.close();
  });

  const signedOut = await signIn(a.url);
  const other = await signIn(b.url);
  for (const cookie of [signedOut, other]) {
    assert.equal(await page(a.url, cookie), 200);
    assert.equal(await page(b.url, cookie), 200, 'one token: a session works on every instance');
  }

  assert.equal(await signOut(b.url, signedOut), 303);
  assert.equal(await page(b.url, signedOut), 401, 'refused where it was signed out');
  assert.equal(await page(a.url, signedOut), 401, 'refused by the other process on the same database');
  assert.equal(await page(a.url, other), 200, 'another session stays signed in');

  // A process started after the sign-out (a restart, a new replica) refuses it too.
  const three = dashboard({ log: pg.url, auth: { token: TOKEN } });
  const c = await mountDashboard('fetch', three);
  try {
    assert.equal(await page(c.url, signedOut), 401);
    assert.equal(await page(c.url, other), 200);
    // Signing out the other session on the newcomer reaches the first two.
    assert.equal(await signOut(c.url, other), 303);
    assert.equal(await page(a.url, other), 401);
    assert.equal(await page(b.url, other), 401);
  } finally {
    await c.close();
    await three.close();
  }

  // The database gone: whether a cookie was signed out is unknown, so it is refused.
  const fresh = await signIn(a.url);
  assert.equal(await page(a.url, fresh), 200);
  await pg.kill();
  assert.equal(await page(a.url, fresh), 500, 'fails closed while the database cannot be asked');
  const bearer = await fetch(`${a.url}/_rampart`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } });
  await bearer.arrayBuffer();
  assert.equal(bearer.status, 200, 'the token itself needs no database');
  // A sign-out that cannot be shared says so (and still holds in this process).
  assert.equal(await signOut(a.url, fresh), 503);
  assert.equal(await page(a.url, fresh), 401);
});
