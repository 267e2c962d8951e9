import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { apiKeys, requireApiKey, apiKeyOf, type ApiKeyManager } from './index.ts';
import { isRampartError, type RampartErrorCode } from '../../errors.ts';
import { stack } from '../../stack/index.ts';
import { forEachAdapter } from '../../../test/helpers/adapters.ts';
import { startPostgres } from '../../../test/helpers/services.ts';
import type { SecurityEventRecord } from '../../core/types.ts';

const SECRET = 'api-key-hmac-secret-of-at-least-32-bytes';
const db = new PGlite();
let tables = 0;
const manager = (extra: Record<string, unknown> = {}) => apiKeys({ secret: SECRET, database: db, table: `keys_${++tables}`, ...extra });

async function rejectsWith(p: Promise<unknown>, code: RampartErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => isRampartError(e, code) || assert.fail(`expected ${code}, got ${String(e)}`));
}

async function lifecycle(keys: ApiKeyManager, raw: (sql: string) => Promise<Record<string, unknown>[]>, table: string): Promise<void> {
  const created = await keys.create({ owner: 'acme', scopes: ['orders:read', 'orders:write'], name: 'CI' });
  assert.match(created.key, /^rk_live_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
  assert.equal(created.prefix, created.key.slice(0, 12));
  assert.deepEqual(await keys.verify(created.key), { id: created.id, owner: 'acme', scopes: ['orders:read', 'orders:write'], name: 'CI' });
  // only a hash is stored
  const stored = await raw(`select * from ${table}`);
  assert.ok(!JSON.stringify(stored).includes(created.key.slice(12, 40)), 'the key itself is never stored');
  // typo: checksum fails before any query
  const typo = created.key.slice(0, 20) + (created.key[20] === 'a' ? 'b' : 'a') + created.key.slice(21);
  await rejectsWith(keys.verify(typo), 'ERR_RAMPART_APIKEY_MALFORMED');
  for (const bad of ['', 'rk_live_', 'sk_live_x', 'rk_test_' + created.key.slice(8), 'x'.repeat(10_000), null, 42]) {
    await rejectsWith(keys.verify(bad as string), 'ERR_RAMPART_APIKEY_MALFORMED');
  }
  // usage recorded in a batch
  await keys.verify(created.key);
  await keys.flush();
  let listed = await keys.list({ owner: 'acme' });
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.usageCount, 2);
  assert.ok(listed[0]!.lastUsedAt instanceof Date);
  assert.ok(!('key' in listed[0]!) && !('keyHash' in listed[0]!));
  // rotate with overlap: both work, then the old one expires
  const rotated = await keys.rotate(created.id, { overlap: 1 });
  assert.notEqual(rotated.key, created.key);
  assert.equal((await keys.verify(rotated.key)).owner, 'acme');
  assert.equal((await keys.verify(created.key)).owner, 'acme', 'old key works during the overlap');
  await raw(`update ${table} set expires_at = now() - interval '1 second' where id = '${created.id}'`);
  await rejectsWith(keys.verify(created.key), 'ERR_RAMPART_APIKEY_INVALID');
  // revoke
  assert.equal(await keys.revoke(rotated.id), true);
  assert.equal(await keys.revoke(rotated.id), false);
  await rejectsWith(keys.verify(rotated.key), 'ERR_RAMPART_APIKEY_INVALID');
  await rejectsWith(keys.rotate(rotated.id), 'ERR_RAMPART_APIKEY_INVALID');
  // expiry at creation
  const short = await keys.create({ owner: 'acme', expiresIn: 3600 });
  assert.ok(short.expiresAt !== null && short.expiresAt.getTime() > Date.now());
  // a well-formed key that was never issued
  const other = apiKeys({ secret: SECRET, database: db, table: 'keys_unused' });
  const foreign = (await other.create({ owner: 'x' })).key;
  await rejectsWith(keys.verify(foreign), 'ERR_RAMPART_APIKEY_INVALID');
  listed = await keys.list();
  assert.equal(listed.length, 3);
}

test('API keys on PGlite: create once, verify, checksum typos, usage, rotate with overlap, revoke, expire', async () => {
  const keys = manager();
  const table = `keys_${tables}`;
  await lifecycle(keys, async (sql) => (await db.query<Record<string, unknown>>(sql)).rows, table);
  await keys.close();
});

test('API keys on a real PostgreSQL server (postgres:// URL)', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const keys = apiKeys({ secret: SECRET, database: pg.url });
  const { default: postgres } = await import('postgres');
  const sql = postgres(pg.url, { onnotice: () => {} });
  try {
    await keys.ensureTable();
    await lifecycle(keys, async (q) => (await sql.unsafe(q)) as unknown as Record<string, unknown>[], 'rampart_api_keys');
  } finally {
    await keys.close();
    await sql.end();
  }
});

test('construction errors and events from direct verify()', async () => {
  assert.throws(
    () => apiKeys({ secret: 'short' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => apiKeys({ secret: SECRET, table: 'x; drop table y' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => apiKeys({ secret: SECRET, database: 42 as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => apiKeys({ secret: SECRET, prefix: 'RK_' }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  assert.throws(
    () => apiKeys({ secret: SECRET, tabel: 'x' } as never),
    (e) => isRampartError(e, 'ERR_RAMPART_UNKNOWN_OPTION'),
  );
  // A sink without emit() is refused at construction, not on the first failed verify().
  assert.throws(
    () => apiKeys({ secret: SECRET, events: {} as never }),
    (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'),
  );
  const events: SecurityEventRecord[] = [];
  const keys = manager({ environment: 'test', events: { emit: (r: SecurityEventRecord) => events.push(r) } });
  await assert.rejects(keys.create({ owner: '' }), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'));
  const { key } = await keys.create({ owner: 'o' });
  assert.ok(key.startsWith('rk_test_'));
  // A changed checksum character (never the one it already has: '0' ends 1 key in 62).
  await rejectsWith(keys.verify(key.slice(0, -1) + (key.endsWith('0') ? '1' : '0')), 'ERR_RAMPART_APIKEY_MALFORMED');
  assert.deepEqual(events, [{ event: 'INVALID_TOKEN', detail: 'api key: ERR_RAMPART_APIKEY_MALFORMED' }]);
  await keys.close();
});

test('requireApiKey through every adapter: 401 / 403 / principal for the handler', async (t) => {
  const keys = manager();
  const reader = await keys.create({ owner: 'acme', scopes: ['orders:read'] });
  const admin = await keys.create({ owner: 'root', scopes: ['orders:*'] });
  const events: SecurityEventRecord[] = [];
  await forEachAdapter(
    t,
    () => stack([requireApiKey({ keys, scopes: 'orders:write' })], { events: { emit: (r) => events.push(r) } }),
    async (app) => {
      events.length = 0;
      let r = await fetch(`${app.url}/orders`);
      assert.equal(r.status, 401);
      await r.body?.cancel();
      r = await fetch(`${app.url}/orders`, { headers: { 'x-api-key': 'rk_live_nope' } });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate')!, /invalid_token/);
      await r.body?.cancel();
      r = await fetch(`${app.url}/orders`, { headers: { 'x-api-key': reader.key } });
      assert.equal(r.status, 403);
      assert.match(await r.text(), /ERR_RAMPART_PERMISSION_DENIED/);
      r = await fetch(`${app.url}/orders`, { headers: { authorization: `Bearer ${admin.key}` } });
      assert.equal(r.status, 200);
      assert.equal(await r.text(), `root:${admin.id}`);
      assert.deepEqual(
        events.map((e) => e.event),
        ['AUTH_REQUIRED', 'INVALID_TOKEN', 'PERMISSION_DENIED'],
      );
      assert.ok(!JSON.stringify(events).includes(reader.key), 'keys never reach events');
    },
    (req) => ({ body: `${apiKeyOf(req.native)?.owner}:${apiKeyOf(req.native)?.id}` }),
  );
  await keys.close();
});

test('requireApiKey answers 503 while PostgreSQL is down and recovers after a restart', async (t) => {
  const pg = await startPostgres(t);
  if (pg === undefined) return;
  const { default: postgres } = await import('postgres');
  const sql = postgres(pg.url, { onnotice: () => {}, connect_timeout: 2, max: 2 });
  const keys = apiKeys({ secret: SECRET, database: sql });
  const { key } = await keys.create({ owner: 'acme' });
  const { serve } = await import('../../../test/helpers/adapters.ts');
  const shield = stack([requireApiKey({ keys })]);
  const running = await serve('express', shield);
  try {
    let r = await fetch(`${running.url}/`, { headers: { 'x-api-key': key } });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    await pg.kill();
    r = await fetch(`${running.url}/`, { headers: { 'x-api-key': key } });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    await r.body?.cancel();
    await rejectsWith(keys.verify(key), 'ERR_RAMPART_APIKEY_STORE');
    await pg.restart();
    let status = 0;
    // Recovery is polled to a deadline, not a number of tries (each try is slower on a loaded box).
    for (const deadline = Date.now() + 20_000; status !== 200 && Date.now() < deadline; ) {
      r = await fetch(`${running.url}/`, { headers: { 'x-api-key': key } });
      status = r.status;
      await r.body?.cancel();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 200);
  } finally {
    await running.close();
    await keys.close().catch(() => {});
    await sql.end({ timeout: 1 });
  }
});

test('a key can be rotated once: a second rotation of the same id is refused, the successor rotates on', async () => {
  const keys = manager();
  const first = await keys.create({ owner: 'acme', scopes: ['orders:read'] });
  const successor = await keys.rotate(first.id);
  await rejectsWith(keys.rotate(first.id), 'ERR_RAMPART_APIKEY_ROTATED');
  await assert.rejects(keys.rotate(first.id), /already rotated.*rotate .*instead/s);
  assert.equal((await keys.verify(first.key)).owner, 'acme', 'the refused rotation did not change the overlap');
  const live = (await keys.list({ owner: 'acme' })).filter((k) => k.revokedAt === null && k.id !== first.id);
  assert.deepEqual(
    live.map((k) => k.id),
    [successor.id],
    'one successor only',
  );
  const third = await keys.rotate(successor.id);
  assert.equal((await keys.verify(third.key)).owner, 'acme');
  await keys.close();
});

test('rotation works on a table created before rotations were recorded (the column is added)', async () => {
  const table = 'keys_legacy';
  await db.query(`create table ${table} (
      id text primary key, key_hash text not null unique, prefix text not null, owner text not null, name text,
      scopes jsonb not null default '[]', created_at timestamptz not null default now(), expires_at timestamptz,
      revoked_at timestamptz, last_used_at timestamptz, usage_count bigint not null default 0)`);
  const keys = apiKeys({ secret: SECRET, database: db, table });
  const k = await keys.create({ owner: 'old' });
  await keys.rotate(k.id);
  await rejectsWith(keys.rotate(k.id), 'ERR_RAMPART_APIKEY_ROTATED');
  await keys.close();
});

test('create() validates scopes with the permission grammar: no empty scope, no whitespace', async () => {
  const keys = manager();
  for (const scopes of [[''], [' '], ['a b'], ['orders:read '], ['orders:read', 'x\ty'], ['*:*'], ['post:*:edit'], [42]]) {
    await assert.rejects(keys.create({ owner: 'o', scopes: scopes as never }), (e) => isRampartError(e, 'ERR_RAMPART_CONFIG'), JSON.stringify(scopes));
  }
  const ok = await keys.create({ owner: 'o', scopes: ['orders:read', 'orders:*', '*', 'billing.v2:refund'] });
  assert.deepEqual((await keys.verify(ok.key)).scopes, ['orders:read', 'orders:*', '*', 'billing.v2:refund']);
  await keys.close();
});

test('revoking a successor ends its predecessors’ overlap: the old key stops working, list() shows it revoked (every adapter)', async (t) => {
  const keys = manager();
  const first = await keys.create({ owner: 'acme', scopes: ['orders:read'] });
  const second = await keys.rotate(first.id); // default overlap: a day
  const third = await keys.rotate(second.id);
  const other = await keys.create({ owner: 'acme' }); // unrelated: untouched
  assert.equal((await keys.verify(first.key)).owner, 'acme', 'still in its overlap');
  assert.equal(await keys.revoke(third.id), true);
  for (const k of [first, second, third]) await rejectsWith(keys.verify(k.key), 'ERR_RAMPART_APIKEY_INVALID');
  assert.equal((await keys.verify(other.key)).owner, 'acme');
  const listed = new Map((await keys.list({ owner: 'acme' })).map((r) => [r.id, r]));
  for (const k of [first, second, third]) assert.ok(listed.get(k.id)!.revokedAt instanceof Date, 'the whole lineage shows revoked');
  assert.equal(listed.get(other.id)!.revokedAt, null);
  await rejectsWith(keys.rotate(first.id), 'ERR_RAMPART_APIKEY_INVALID');
  await assert.rejects(keys.rotate(first.id), /revoked/);
  assert.equal(await keys.revoke(third.id), false, 'nothing left to revoke');
  await forEachAdapter(
    t,
    () => stack([requireApiKey({ keys })]),
    async (app) => {
      for (const k of [first, second, third]) {
        const r = await fetch(`${app.url}/`, { headers: { 'x-api-key': k.key } });
        assert.equal(r.status, 401);
        await r.body?.cancel();
      }
    },
  );
  await keys.close();
});

test('revoking a predecessor leaves its successor working (only successors end an overlap)', async () => {
  const keys = manager();
  const first = await keys.create({ owner: 'acme' });
  const second = await keys.rotate(first.id);
  assert.equal(await keys.revoke(first.id), true);
  await rejectsWith(keys.verify(first.key), 'ERR_RAMPART_APIKEY_INVALID');
  assert.equal((await keys.verify(second.key)).owner, 'acme');
  await keys.close();
});
