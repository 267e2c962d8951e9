import { describe, test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { privacy } from './index.ts';
import { SecurityLog, SecurityEvent } from '../log/index.ts';
import { apiKeys, type ApiKeyManager } from '../auth/apikeys/index.ts';
import { sessions, getSession, memorySessionStore, postgresSessionStore, redisSessionStore, type SessionStore } from '../auth/sessions/index.ts';
import { stack } from '../stack/index.ts';
import { isRampartError } from '../errors.ts';
import { startPostgres, startRedis, type PgServer } from '../../test/helpers/services.ts';

const CHAIN_KEY = 'chain-key-for-gdpr-tests-0123456789abcdef';
const KEY_SECRET = 'api-key-hmac-secret-for-gdpr-tests-0123456789';
const SESSION_SECRET = 'session-signing-secret-for-gdpr-tests-0123456789';
const PSEUDONYM_KEY = 'Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2Ui6Oo0';
const DAY = 86_400_000;
let tableCounter = 0;
const fresh = (base: string): string => `${base}_${process.pid}_${++tableCounter}`;

function rejectsWith(code: string): (err: unknown) => boolean {
  return (err) => isRampartError(err) && err.code === code;
}

/** Log in `count` browsers as `userId` through the real sessions() middleware. */
async function loginSessions(t: TestContext, store: SessionStore, logins: Array<[string, number]>): Promise<void> {
  const shield = stack([sessions({ secret: SESSION_SECRET, store })]);
  const server = createServer(
    shield.node(async (req: IncomingMessage, res: ServerResponse) => {
      const session = getSession(req)!;
      await session.regenerate();
      await session.set('user', { id: new URL(req.url!, 'http://x').searchParams.get('user') });
      res.end('ok');
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  for (const [user, count] of logins) {
    for (let i = 0; i < count; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/login?user=${encodeURIComponent(user)}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('set-cookie') ?? '', /sid=/);
    }
  }
}

interface Env {
  database: PGlite | string;
  raw: (text: string, params?: unknown[]) => Promise<unknown[]>;
}

let pg: PgServer | undefined;
let pgTried = false;
let sharedPglite: PGlite | undefined;
after(async () => {
  await sharedPglite?.close();
  await pg?.stop();
});

const backends: Array<{ name: string; make(t: TestContext): Promise<Env | undefined> }> = [
  {
    name: 'PGlite',
    async make() {
      sharedPglite ??= new PGlite();
      const db = sharedPglite;
      return { database: db, raw: async (text, params) => (await db.query(text, params)).rows };
    },
  },
  {
    name: 'PostgreSQL 15',
    async make(t) {
      if (!pgTried) {
        pgTried = true;
        pg = await startPostgres(undefined);
      }
      if (pg === undefined) {
        t.skip('PostgreSQL not available');
        return undefined;
      }
      const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
      t.after(() => sql.end({ timeout: 1 }));
      return { database: pg.url, raw: async (text, params) => (await sql.unsafe(text, (params ?? []) as never[])) as unknown[] };
    },
  },
];

async function populate(log: SecurityLog, keys: ApiKeyManager) {
  await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'alice', ip: '10.0.0.1', userAgent: 'UA-alice' });
  await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 'alice', ip: '10.0.0.1', userAgent: 'UA-alice' });
  await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 'alice', ip: '10.0.0.2' });
  await log.log(SecurityEvent.LOGOUT, { userId: 'bob', ip: '10.0.0.9', userAgent: 'UA-bob' });
  await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 'alice', ip: '10.0.0.1' });
  await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 'bob', ip: '10.0.0.9' });
  await log.flush();
  const a1 = await keys.create({ owner: 'alice', name: 'laptop', scopes: ['read'] });
  const a2 = await keys.create({ owner: 'alice', name: 'ci' });
  const b1 = await keys.create({ owner: 'bob', name: 'bob-key' });
  await keys.verify(a1.key);
  await keys.verify(a1.key);
  await keys.flush();
  return { a1, a2, b1 };
}

for (const backend of backends) {
  describe(`privacy() on ${backend.name}`, () => {
    test('report → exact counts without secrets; erase → alice gone, bob untouched, chain re-sealed; idempotent', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const table = fresh('gdpr_log');
      const log = new SecurityLog({ database: env.database, table, chain: true, chainKey: CHAIN_KEY, flushIntervalMs: 5, batchSize: 2 });
      const keys = apiKeys({ secret: KEY_SECRET, database: env.database, table: fresh('gdpr_keys') });
      const store = postgresSessionStore({ database: env.database, table: fresh('gdpr_sess') });
      t.after(async () => {
        await log.close();
        await keys.close();
        if (typeof env.database === 'string') await store.close?.();
      });
      const { a1, a2, b1 } = await populate(log, keys);
      await loginSessions(t, store, [
        ['alice', 2],
        ['bob', 1],
      ]);
      const gdpr = privacy({ log, apiKeys: keys, sessions: store, pseudonymKey: PSEUDONYM_KEY });

      const report = await gdpr.erasureReport('alice');
      assert.deepEqual(JSON.parse(JSON.stringify(report)), report, 'JSON-serialisable');
      assert.equal(report.securityLog!.rows, 4);
      assert.deepEqual(
        report.securityLog!.events.map((e) => [e.event, e.count]),
        [
          ['LOGIN_FAILED', 1],
          ['LOGIN_SUCCESS', 3],
        ],
      );
      assert.ok(report.securityLog!.first! <= report.securityLog!.last!);
      assert.equal(report.apiKeys!.count, 2);
      assert.equal(report.apiKeys!.active, 2);
      assert.deepEqual(report.apiKeys!.keys.map((k) => k.id).sort(), [a1.id, a2.id].sort());
      const laptop = report.apiKeys!.keys.find((k) => k.id === a1.id)!;
      assert.equal(laptop.name, 'laptop');
      assert.equal(laptop.usageCount, 2);
      assert.ok(laptop.lastUsedAt !== null);
      assert.equal(report.sessions!.count, 2);
      assert.ok(report.sessions!.sessions.every((s) => s.createdAt !== null && s.lastSeenAt !== null));
      const text = JSON.stringify(report);
      for (const secret of [a1.key, a2.key, a1.prefix, a2.prefix, b1.id]) assert.ok(!text.includes(secret), 'no key material or other users');
      const sessionIds: string[] = [];
      for await (const s of store.scan!()) sessionIds.push(s.id);
      assert.equal(sessionIds.length, 3);
      for (const id of sessionIds) assert.ok(!text.includes(id), 'no session ids');

      const erased = await gdpr.erase('alice', { mode: 'anonymize' });
      assert.equal(erased.securityLog!.anonymizedRows, 4);
      assert.equal(erased.securityLog!.chain!.resealed, true);
      assert.equal(erased.apiKeys && 'revoked' in erased.apiKeys ? erased.apiKeys.revoked : -1, 2);
      assert.deepEqual(erased.sessions, { deleted: 2 });
      assert.match(erased.pseudonym, /^anon_[A-Za-z0-9_-]{22}$/);
      // The chain still verifies, and the report names the new anchor.
      const verified = await log.verify();
      assert.equal(verified.ok, true);
      assert.equal(verified.checked, 6);
      assert.deepEqual(verified.last, erased.securityLog!.chain!.last);
      assert.notEqual(erased.securityLog!.chain!.previousLast!.hmac, erased.securityLog!.chain!.last!.hmac);

      const after1 = await gdpr.erasureReport('alice');
      assert.equal(after1.securityLog!.rows, 0);
      assert.equal(after1.apiKeys!.count, 0);
      assert.equal(after1.sessions!.count, 0);
      const anonRows = await log.getForUser(erased.pseudonym);
      assert.equal(anonRows.length, 4);
      assert.ok(anonRows.every((r) => r.ipAddress === null && r.userAgent === null));
      await assert.rejects(keys.verify(a1.key), rejectsWith('ERR_RAMPART_APIKEY_INVALID'));
      assert.deepEqual(
        (await keys.list({ owner: erased.pseudonym })).map((k) => [k.name, k.revokedAt !== null]),
        [
          [null, true],
          [null, true],
        ],
      );

      const bob = await gdpr.erasureReport('bob');
      assert.equal(bob.securityLog!.rows, 2);
      assert.equal(bob.apiKeys!.count, 1);
      assert.equal(bob.sessions!.count, 1);
      assert.equal((await log.getForUser('bob'))[0]!.ipAddress, '10.0.0.9');
      assert.equal((await keys.verify(b1.key)).owner, 'bob');

      // Idempotent; the keyed pseudonym is stable.
      const again = await gdpr.erase('alice');
      assert.equal(again.pseudonym, erased.pseudonym);
      assert.equal(again.securityLog!.anonymizedRows, 0);
      assert.deepEqual(again.apiKeys, { revoked: 0 });
      assert.deepEqual(again.sessions, { deleted: 0 });
      assert.equal((await log.verify()).ok, true);
    });

    test('delete mode removes API keys; a tampered chain is not re-sealed', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const table = fresh('gdpr_log');
      const log = new SecurityLog({ database: env.database, table, chain: true, chainKey: CHAIN_KEY, flushIntervalMs: 5 });
      const keysTable = fresh('gdpr_keys');
      const keys = apiKeys({ secret: KEY_SECRET, database: env.database, table: keysTable });
      t.after(async () => {
        await log.close();
        await keys.close();
      });
      const { b1 } = await populate(log, keys);
      // Someone edits one of bob's rows after alice's first row: re-sealing would launder it.
      await env.raw(`update "${table}" set detail = 'edited' where id = (select max(id) from "${table}" where user_id = 'bob')`);
      const gdpr = privacy({ log, apiKeys: keys });
      const erased = await gdpr.erase('alice', { mode: 'delete' });
      assert.deepEqual(erased.apiKeys, { deleted: 2 });
      assert.equal(erased.securityLog!.anonymizedRows, 4);
      assert.equal(erased.securityLog!.chain!.resealed, false);
      assert.match(erased.securityLog!.chain!.reason!, /already broken at row \d+ \(altered\)/);
      assert.equal((await log.verify()).ok, false);
      assert.match(erased.pseudonym, /^anon_/);
      const left = (await env.raw(`select owner from ${keysTable} order by owner`)) as Array<{ owner: string }>;
      assert.deepEqual(
        left.map((r) => r.owner),
        ['bob'],
      );
      assert.equal((await keys.verify(b1.key)).owner, 'bob');
    });

    test('retention removes only what is past its age (injectable clock)', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const table = fresh('gdpr_log');
      const log = new SecurityLog({ database: env.database, table, partition: 'day', flushIntervalMs: 5 });
      const keys = apiKeys({ secret: KEY_SECRET, database: env.database, table: fresh('gdpr_keys') });
      const store = postgresSessionStore({ database: env.database, table: fresh('gdpr_sess') });
      t.after(async () => {
        await log.close();
        await keys.close();
        if (typeof env.database === 'string') await store.close?.();
      });
      await populate(log, keys);
      await loginSessions(t, store, [
        ['alice', 1],
        ['bob', 2],
      ]);
      const old = await keys.create({ owner: 'carol' });
      await keys.revoke(old.id);
      let clock = Date.now();
      const gdpr = privacy({
        log,
        apiKeys: keys,
        sessions: store,
        now: () => clock,
        retention: { securityLog: { days: 90 }, sessions: { days: 30 }, apiKeys: { revokedDays: 30 } },
      });
      // Nothing is old yet.
      assert.deepEqual(await gdpr.applyRetention(), {
        securityLog: { droppedPartitions: [], deletedRows: 0 },
        sessions: { deleted: 0, pruned: 0 },
        apiKeys: { deleted: 0 },
      });
      // 31 days later: sessions idle for 30+ days and the key revoked 30+ days ago go; log rows stay.
      clock += 31 * DAY;
      const r31 = await gdpr.applyRetention();
      assert.deepEqual(r31.securityLog, { droppedPartitions: [], deletedRows: 0 });
      assert.deepEqual(r31.sessions, { deleted: 3, pruned: 0 });
      assert.deepEqual(r31.apiKeys, { deleted: 1 });
      assert.equal((await keys.list()).length, 3, 'active keys are kept');
      assert.equal((await log.getRecent()).length, 6);
      // 91 days later the log rows are past 90 days. The log's cutoff also counts from the wall
      // clock (a clock ahead never deletes newer rows), so the rows are aged in the table too.
      clock += 60 * DAY;
      await env.raw(`update ${table} set "timestamp" = "timestamp" - interval '91 days'`);
      const r91 = await gdpr.applyRetention();
      assert.equal(r91.securityLog!.deletedRows, 6);
      assert.equal((await log.getRecent()).length, 0);
      assert.deepEqual(r91.apiKeys, { deleted: 0 });
    });

    test('a clock ahead of the wall clock never deletes log rows newer than the retention period', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const table = fresh('gdpr_clock');
      const log = new SecurityLog({ database: env.database, table, flushIntervalMs: 5 });
      t.after(() => log.close());
      await log.log(SecurityEvent.LOGIN_FAILED, { userId: 'old' }, { wait: true });
      await env.raw(`update ${table} set "timestamp" = "timestamp" - interval '100 days'`);
      for (const userId of ['a', 'b', 'c']) await log.log(SecurityEvent.LOGIN_FAILED, { userId }, { wait: true });
      const ahead = privacy({ log, now: () => Date.now() + 200 * DAY, retention: { securityLog: { days: 90 } } });
      assert.equal((await ahead.applyRetention()).securityLog!.deletedRows, 1, 'only the row older than 90 real days');
      assert.deepEqual((await log.getRecent()).map((r) => r.userId).sort(), ['a', 'b', 'c']);
      // A clock behind the wall clock keeps more: the cutoff is the earlier of the two.
      await env.raw(`update ${table} set "timestamp" = "timestamp" - interval '95 days' where user_id = 'a'`);
      const behind = privacy({ log, now: () => Date.now() - 10 * DAY, retention: { securityLog: { days: 90 } } });
      assert.equal((await behind.applyRetention()).securityLog!.deletedRows, 0);
      assert.equal((await ahead.applyRetention()).securityLog!.deletedRows, 1);
    });
  });
}

describe('privacy() with Redis and memory session stores', () => {
  test('Redis: report, erase and retention find sessions by scanning', async (t) => {
    const redisServer = await startRedis(t);
    if (redisServer === undefined) return;
    t.after(() => redisServer.stop());
    const client = new Redis(redisServer.url);
    t.after(() => client.quit());
    const store = redisSessionStore(client, { prefix: 'app*[1]:' });
    // A key outside the prefix (glob characters in the prefix are escaped).
    await client.set('app-other:x', JSON.stringify({ data: { user: { id: 'alice' } }, created: 1, seen: 1, expires: 9e15 }));
    await loginSessions(t, store, [
      ['alice', 3],
      ['bob', 2],
    ]);
    let clock = Date.now();
    const gdpr = privacy({ sessions: store, now: () => clock, retention: { sessions: { days: 1 } } });
    assert.equal((await gdpr.erasureReport('alice')).sessions!.count, 3);
    assert.deepEqual((await gdpr.erase('alice')).sessions, { deleted: 3 });
    assert.deepEqual((await gdpr.erase('alice')).sessions, { deleted: 0 });
    assert.equal((await gdpr.erasureReport('bob')).sessions!.count, 2);
    assert.equal((await client.get('app-other:x')) !== null, true);
    assert.deepEqual(await gdpr.applyRetention(), { sessions: { deleted: 0, pruned: 0 } });
    clock += 2 * DAY;
    assert.deepEqual(await gdpr.applyRetention(), { sessions: { deleted: 2, pruned: 0 } });
    assert.equal((await gdpr.erasureReport('bob')).sessions!.count, 0);
  });

  test('memory store and numeric user ids; sessionUser picks the owner', async (t) => {
    const store = memorySessionStore();
    await loginSessions(t, store, [
      ['42', 2],
      ['43', 1],
    ]);
    assert.equal((await privacy({ sessions: store }).erasureReport(42)).sessions!.count, 2);
    const custom = privacy({ sessions: store, sessionUser: () => 'everyone' });
    assert.equal((await custom.erasureReport('everyone')).sessions!.count, 3);
    assert.deepEqual(
      await privacy({ sessions: store })
        .erasureReport('42')
        .then((r) => Object.keys(r).sort()),
      ['generatedAt', 'sessions', 'userId'],
    );
  });
});

describe('privacy() validation', () => {
  const log = new SecurityLog();
  after(() => log.close());
  test('bad options fail at construction', () => {
    const code = (fn: () => unknown, expected: string) => assert.throws(fn, rejectsWith(expected));
    code(() => privacy({ log, retention: { securityLog: { days: 0 } } }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ log, retention: { securityLog: { days: -1 } } }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ log, retention: { securityLog: { days: '90' as never } } }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ log, retention: { securityLog: {} as never } }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ log, retention: { securityLog: { days: 90, hours: 1 } as never } }), 'ERR_RAMPART_UNKNOWN_OPTION');
    code(() => privacy({ log, retention: { securitylog: { days: 90 } } as never }), 'ERR_RAMPART_UNKNOWN_OPTION');
    code(() => privacy({ log, retention: { sessions: { days: 30 } } }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ log, pseudonymkey: 'x' } as never), 'ERR_RAMPART_UNKNOWN_OPTION');
    code(() => privacy({ log, pseudonymKey: 'changeme' }), 'ERR_RAMPART_WEAK_SECRET');
    code(() => privacy({ log: {} as never }), 'ERR_RAMPART_CONFIG');
    code(() => privacy({ sessions: { get() {}, set() {}, delete() {} } as never }), 'ERR_RAMPART_CONFIG');
    code(() => privacy(null as never), 'ERR_RAMPART_CONFIG');
    const gdpr = privacy({ log });
    code(() => gdpr.retention({ apiKeys: { revokedDays: 30 } }), 'ERR_RAMPART_CONFIG');
    assert.deepEqual(gdpr.retention({ securityLog: { days: 7 } }), { securityLog: { days: 7 } });
  });

  test('bad user ids and erase options are rejected', async () => {
    const gdpr = privacy({ log });
    for (const bad of ['', 'x'.repeat(256), 1.5, null, {}]) {
      await assert.rejects(gdpr.erasureReport(bad as never), rejectsWith('ERR_RAMPART_GDPR_INPUT'));
      await assert.rejects(gdpr.erase(bad as never), rejectsWith('ERR_RAMPART_GDPR_INPUT'));
    }
    await assert.rejects(gdpr.erase('u', { mode: 'shred' as never }), rejectsWith('ERR_RAMPART_GDPR_INPUT'));
    await assert.rejects(gdpr.erase('u', { mod: 'delete' } as never), rejectsWith('ERR_RAMPART_UNKNOWN_OPTION'));
  });
});
