import { describe, test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { SecurityLog, SecurityEvent, registerEvent, setSecurityLog, getSecurityLog, LIMITS, type SecurityLogOptions } from './index.ts';
import { globalEventSink } from '../core/events.ts';
import { isRampartError } from '../errors.ts';
import { startPostgres, type PgServer } from '../../test/helpers/services.ts';

const execFileAsync = promisify(execFile);

/** Raw SQL access to the same database, for assertions and tampering. */
interface Raw {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh log on its own table (undefined when the backend is unavailable: test skipped). */
  make(t: TestContext, options?: SecurityLogOptions): Promise<{ log: SecurityLog; raw: Raw; table: string } | undefined>;
}

let tableCounter = 0;
function freshTable(): string {
  return `sl_test_${process.pid}_${++tableCounter}`;
}

// One embedded database for the whole file (starting PGlite takes seconds); each test has its own table.
let sharedPglite: PGlite | undefined;
const pgliteBackend: Backend = {
  name: 'pglite',
  async make(t, options = {}) {
    sharedPglite ??= new PGlite();
    const db = sharedPglite;
    const table = freshTable();
    const log = new SecurityLog({ database: db, table, flushIntervalMs: 10, ...options });
    t.after(async () => {
      await log.close();
    });
    return { log, table, raw: { query: async (text, params) => (await db.query(text, params)).rows as never } };
  },
};

let pg: PgServer | undefined;
let pgTried = false;
const postgresBackend: Backend = {
  name: 'postgres',
  async make(t, options = {}) {
    if (!pgTried) {
      pgTried = true;
      pg = await startPostgres(undefined);
    }
    if (pg === undefined) {
      t.skip('PostgreSQL not available');
      return undefined;
    }
    const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    const table = freshTable();
    const log = new SecurityLog({ database: pg.url, table, flushIntervalMs: 10, ...options });
    t.after(async () => {
      await log.close();
      await sql.end({ timeout: 1 });
    });
    return { log, table, raw: { query: async (text, params) => (await sql.unsafe(text, (params ?? []) as never[])) as never } };
  },
};

after(async () => {
  await pg?.stop();
  await sharedPglite?.close();
});

function rejectsWith(code: string): (err: unknown) => boolean {
  return (err) => isRampartError(err) && err.code === code;
}

const CHAIN_KEY = 'chain-key-Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8Ye2U';

for (const backend of [pgliteBackend, postgresBackend]) {
  describe(`SecurityLog on ${backend.name}`, () => {
    test('ensureTable is idempotent and safe when called concurrently', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      await Promise.all([env.log.ensureTable(), env.log.ensureTable()]);
      await env.log.ensureTable();
      const rows = await env.raw.query<{ n: number | string }>(`select count(*) as n from pg_class where relname = $1`, [env.table]);
      assert.equal(Number(rows[0]?.n), 1);
      const idx = await env.raw.query<{ indexname: string; indexdef: string }>('select indexname, indexdef from pg_indexes where tablename = $1', [env.table]);
      const defs = idx.map((r) => r.indexdef).join('\n');
      // Ascending by time and no BRIN: see store-indexes.test.ts.
      for (const col of ['(event, "timestamp")', '(user_id, "timestamp")', '(ip_address, "timestamp")', '("timestamp", id)']) {
        assert.ok(defs.includes(col), `missing index ${col} in\n${defs}`);
      }
    });

    test('partitions: current month and two ahead plus a default partition', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      await env.log.ensureTable();
      const parts = await env.raw.query<{ relname: string }>(
        'select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1) order by 1',
        [env.table],
      );
      const names = parts.map((p) => p.relname.slice(env.table.length + 1));
      const now = new Date();
      const key = (offset: number): string => {
        const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
        return `p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
      };
      assert.deepEqual(names, [key(0), key(1), key(2), 'pdefault'].sort());
    });

    test('log and the spec queries: newest first, filters, counts, row shape', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      await log.ensureTable();
      await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 42, ip: '1.2.3.4', userAgent: 'UA/1', path: '/login' });
      await log.log(SecurityEvent.LOGIN_FAILED, { ip: '1.2.3.4', detail: 'invalid password' });
      await log.log(SecurityEvent.LOGIN_FAILED, { ip: '5.6.7.8', userId: '7f1c0a4e-uuid' });
      await log.log(SecurityEvent.PERMISSION_DENIED, { userId: 42, detail: 'missing edit_product' }, { wait: true });

      const recent = await log.getRecent({ limit: 50 });
      assert.deepEqual(
        recent.map((r) => r.event),
        ['PERMISSION_DENIED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_SUCCESS'],
      );
      const first = recent[3]!;
      assert.equal(first.userId, '42');
      assert.equal(first.ipAddress, '1.2.3.4');
      assert.equal(first.userAgent, 'UA/1');
      assert.equal(first.path, '/login');
      assert.equal(first.detail, null);
      assert.ok(first.timestamp instanceof Date && Math.abs(first.timestamp.getTime() - Date.now()) < 60_000);
      assert.equal(typeof first.id, 'number');
      assert.equal((await log.getRecent({ limit: 2 })).length, 2);

      assert.deepEqual(
        (await log.getForUser(42)).map((r) => r.event),
        ['PERMISSION_DENIED', 'LOGIN_SUCCESS'],
      );
      assert.deepEqual(
        (await log.getForUser('42', { limit: 1 })).map((r) => r.event),
        ['PERMISSION_DENIED'],
      );
      assert.equal((await log.getForUser('7f1c0a4e-uuid'))[0]?.ipAddress, '5.6.7.8');
      assert.deepEqual(
        (await log.getForIp('1.2.3.4')).map((r) => r.event),
        ['LOGIN_FAILED', 'LOGIN_SUCCESS'],
      );
      assert.equal((await log.getForIp('::ffff:1.2.3.4')).length, 2, 'IPv4-mapped IPv6 is the same client');
      assert.equal((await log.getByEvent(SecurityEvent.LOGIN_FAILED, { sinceHours: 1 })).length, 2);
      assert.equal(await log.countByEvent(SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }), 2);
      assert.equal(await log.countByEvent(SecurityEvent.LOGOUT, { sinceHours: 1 }), 0);
      assert.equal(await log.countByIp('1.2.3.4', SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }), 1);
      assert.equal(await log.countByIp('1.2.3.4', undefined, { sinceHours: 1 }), 2);
      assert.equal(await log.countByIp('not an ip'), 0);

      // Old rows fall outside sinceHours.
      await env.raw.query(`insert into ${env.table} (event, ip_address, "timestamp") values ('LOGIN_FAILED', '1.2.3.4', now() - interval '3 hours')`);
      assert.equal(await log.countByIp('1.2.3.4', SecurityEvent.LOGIN_FAILED, { sinceHours: 1 }), 1);
      assert.equal(await log.countByIp('1.2.3.4', SecurityEvent.LOGIN_FAILED, { sinceHours: 4 }), 2);
      await assert.rejects(log.getRecent({ limit: 0 }), rejectsWith('ERR_RAMPART_CONFIG'));
      await assert.rejects(log.getRecent({ limt: 5 } as never), rejectsWith('ERR_RAMPART_UNKNOWN_OPTION'));
    });

    test('bad input is stored escaped and truncated, or refused with a RampartError', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      const injection = `'); drop table ${env.table}; --`;
      await log.log(SecurityEvent.SUSPICIOUS_INPUT, {
        ip: '999.1.1.1',
        userAgent: `ua\u0000with\nnewline\t${'A'.repeat(5000)}`,
        path: `/${'p'.repeat(3000)}`,
        detail: `${injection} back\\slash tab\there \u0000nul \u001b[31m ${'d'.repeat(10_000)}`,
        userId: `user\u0000${'u'.repeat(400)}`,
      });
      await log.log(SecurityEvent.SUSPICIOUS_INPUT, { detail: injection, path: 'C:\\windows\\system32', userAgent: '\ud800lone surrogate' });
      await log.flush();
      const [big, small] = [...(await log.getRecent())].reverse();
      assert.ok(big !== undefined && small !== undefined);
      assert.equal(big.ipAddress, null);
      assert.ok(big.detail!.includes('[invalid ip: "999.1.1.1"]'), big.detail!.slice(-80));
      assert.ok(big.userAgent!.length <= LIMITS.userAgent && big.userAgent!.includes('…[truncated'));
      assert.ok(big.userAgent!.startsWith('ua\\x00with\\x0anewline\\x09AAA'), big.userAgent!.slice(0, 40));
      assert.ok(big.path!.length <= LIMITS.path && big.path!.endsWith('chars]'));
      assert.ok(big.detail!.length <= LIMITS.detail);
      assert.ok(big.detail!.includes('back\\slash tab\\x09here \\x00nul \\x1b[31m'));
      assert.ok(big.userId!.length <= LIMITS.userId && big.userId!.startsWith('user\\x00uuu'));
      assert.equal(small.detail, injection);
      assert.equal(small.path, 'C:\\windows\\system32');
      assert.equal(small.userAgent, '\ufffdlone surrogate');
      assert.equal((await env.raw.query(`select 1 from ${env.table} limit 1`)).length, 1, 'table still there');

      await assert.rejects(log.log('login_failed', {}), rejectsWith('ERR_RAMPART_LOG_EVENT'));
      await assert.rejects(log.log('X'.repeat(51), {}), rejectsWith('ERR_RAMPART_LOG_EVENT'));
      await assert.rejects(log.log('', {}), rejectsWith('ERR_RAMPART_LOG_EVENT'));
      await assert.rejects(log.log("A'; DROP", {}), rejectsWith('ERR_RAMPART_LOG_EVENT'));
      await assert.rejects(log.log('NOT_REGISTERED_EVENT', {}), rejectsWith('ERR_RAMPART_LOG_EVENT'));
      await assert.rejects(log.log(SecurityEvent.LOGOUT, { userId: { id: 1 } as never }), rejectsWith('ERR_RAMPART_LOG_INPUT'));
      await assert.rejects(log.log(SecurityEvent.LOGOUT, { userId: 1.5 }), rejectsWith('ERR_RAMPART_LOG_INPUT'));
      await assert.rejects(log.log(SecurityEvent.LOGOUT, { path: 42 as never }), rejectsWith('ERR_RAMPART_LOG_INPUT'));
      registerEvent('ORDER_REFUNDED', 'An order was refunded');
      await log.log('ORDER_REFUNDED', { userId: 3 }, { wait: true });
      assert.equal(await log.countByEvent('ORDER_REFUNDED'), 1);
    });

    test('detail is redacted: sensitive keys, bearer tokens, JWTs, card numbers', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
      await env.log.log(SecurityEvent.LOGIN_FAILED, {
        detail: {
          email: 'a@b.c',
          Password: 'hunter2',
          nested: { API_KEY: 'k', list: [{ token: 't' }] },
          note: `Authorization: Bearer abcdefghijklmnop ${jwt}`,
        },
      });
      await env.log.log(SecurityEvent.LOGIN_FAILED, { detail: 'card 4111 1111 1111 1111 and 4111 1111 1111 1112 password=s3cret' }, { wait: true });
      const [obj, text] = [...(await env.log.getRecent())].reverse();
      const parsed = JSON.parse(obj!.detail!) as Record<string, unknown>;
      assert.equal(parsed.Password, '***');
      assert.equal(parsed.email, 'a@b.c');
      assert.deepEqual(parsed.nested, { API_KEY: '***', list: [{ token: '***' }] });
      assert.ok(!String(parsed.note).includes('abcdefghijklmnop') && !String(parsed.note).includes(jwt), String(parsed.note));
      assert.equal(text!.detail, 'card ***1111 and 4111 1111 1111 1112 password=***');
    });

    test('wait: true resolves once stored; a full queue drops, counts and records one summary event', async (t) => {
      const env = await backend.make(t, { maxQueue: 5, batchSize: 100, flushIntervalMs: 60_000 });
      if (env === undefined) return;
      const { log } = env;
      await log.ensureTable();
      for (let i = 0; i < 5; i++) await log.log(SecurityEvent.RATE_LIMIT_HIT, { detail: `n${i}` });
      await log.log(SecurityEvent.RATE_LIMIT_HIT, { detail: 'dropped-1' });
      log.emit({ event: 'RATE_LIMIT_HIT', detail: 'dropped-2' });
      await assert.rejects(log.log(SecurityEvent.RATE_LIMIT_HIT, {}, { wait: true }), rejectsWith('ERR_RAMPART_LOG_QUEUE_FULL'));
      assert.equal(log.stats().dropped, 3);
      assert.equal(log.stats().queued, 5);
      await log.flush();
      const rows = await log.getRecent();
      assert.equal(rows.filter((r) => r.event === 'RATE_LIMIT_HIT').length, 5);
      const summary = rows.filter((r) => r.event === 'LOG_EVENTS_DROPPED');
      assert.equal(summary.length, 1);
      assert.match(summary[0]!.detail!, /^3 security event\(s\) dropped/);
      assert.equal(log.stats().written, 6);
    });

    test('chain: verify passes, then finds an altered row and a deleted row', async (t) => {
      const env = await backend.make(t, { chain: true, chainKey: CHAIN_KEY, batchSize: 3 });
      if (env === undefined) return;
      const { log, raw, table } = env;
      for (let i = 0; i < 10; i++) await log.log(SecurityEvent.LOGIN_FAILED, { ip: '1.2.3.4', detail: `attempt ${i}` });
      const ok = await log.verify();
      assert.equal(ok.ok, true);
      assert.equal(ok.checked, 10);
      assert.ok(ok.last !== undefined && /^[0-9a-f]{64}$/.test(ok.last.hmac));
      const ids = (await log.getRecent()).map((r) => r.id).sort((a, b) => a - b);
      await raw.query(`update ${table} set detail = 'nothing happened' where id = $1`, [ids[6]]);
      assert.deepEqual((await log.verify()).firstBad, { id: ids[6], reason: 'altered' });
      await raw.query(`update ${table} set detail = 'attempt 6' where id = $1`, [ids[6]]);
      assert.equal((await log.verify()).ok, true);
      await raw.query(`delete from ${table} where id = $1`, [ids[3]]);
      assert.deepEqual((await log.verify()).firstBad, { id: ids[4], reason: 'deleted' });
      const plain = new SecurityLog();
      await assert.rejects(plain.verify(), rejectsWith('ERR_RAMPART_CONFIG'));
    });

    test('cleanup drops whole old partitions and deletes older rows elsewhere', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log, raw, table } = env;
      await log.ensureTable();
      await raw.query(`create table ${table}_p202001 partition of ${table} for values from ('2020-01-01 00:00:00+00') to ('2020-02-01 00:00:00+00')`);
      await raw.query(`insert into ${table} (event, "timestamp") values ('LOGOUT', '2020-01-15T00:00:00Z'), ('LOGOUT', '2020-01-16T00:00:00Z')`);
      await raw.query(`insert into ${table} (event, "timestamp") values ('LOGOUT', '2021-05-05T00:00:00Z')`); // default partition
      await log.log(SecurityEvent.LOGOUT, { userId: 1 }, { wait: true });
      const res = await log.cleanup({ days: 90 });
      assert.deepEqual(res, { droppedPartitions: [`${table}_p202001`], deletedRows: 1 });
      const left = await log.getRecent();
      assert.equal(left.length, 1);
      assert.equal(left[0]!.userId, '1');
      await assert.rejects(log.cleanup({ days: -1 }), rejectsWith('ERR_RAMPART_CONFIG'));
    });

    test('export streams jsonl, cef and syslog lines with escaping', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      const before = new Date(Date.now() - 1000);
      await log.log(SecurityEvent.CSRF_VIOLATION, { ip: '1.2.3.4', path: '/a]b"c', detail: 'x=y|z' });
      await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 9 }, { wait: true });
      const collect = async (format: 'jsonl' | 'cef' | 'syslog', since?: Date): Promise<string[]> => {
        const lines: string[] = [];
        for await (const line of log.export({ format, ...(since ? { since } : {}) })) lines.push(line);
        return lines;
      };
      const jsonl = await collect('jsonl', before);
      assert.equal(jsonl.length, 2);
      assert.ok(jsonl.every((l) => l.endsWith('\n')));
      const firstRow = JSON.parse(jsonl[0]!) as Record<string, unknown>;
      assert.equal(firstRow.event, 'CSRF_VIOLATION');
      assert.equal(firstRow.path, '/a]b"c');
      const cef = await collect('cef');
      assert.match(
        cef[0]!,
        /^CEF:0\|rampart\|rampart\|[^|]+\|CSRF_VIOLATION\|CSRF token missing or invalid\|7\|rt=\d+ externalId=\d+ src=1\.2\.3\.4 request=\/a]b"c msg=x\\=y\|z\n$/,
      );
      const syslog = await collect('syslog');
      assert.match(syslog[0]!, /^<84>1 \S+Z \S+ rampart - CSRF_VIOLATION \[rampart@32473 id="\d+" ip="1\.2\.3\.4" path="\/a\\]b\\"c"\] \ufeffx=y\|z\n$/);
      assert.match(syslog[1]!, /^<86>1 /);
      assert.equal((await collect('jsonl', new Date(Date.now() + 60_000))).length, 0);
      await assert.rejects(collect('xml' as never), rejectsWith('ERR_RAMPART_CONFIG'));
    });

    test('anonymizeUser replaces the user id and clears ip and user agent', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      await log.log(SecurityEvent.LOGIN_SUCCESS, { userId: 'alice', ip: '1.2.3.4', userAgent: 'UA' });
      await log.log(SecurityEvent.LOGOUT, { userId: 'alice', ip: '1.2.3.4' });
      await log.log(SecurityEvent.LOGOUT, { userId: 'bob', ip: '1.2.3.4' });
      const report = await log.anonymizeUser('alice');
      assert.equal(report.rows, 2);
      assert.equal(report.userId, 'alice');
      assert.match(report.pseudonym, /^anon_[0-9a-f]{16}$/);
      assert.deepEqual(await log.getForUser('alice'), []);
      const anon = await log.getForUser(report.pseudonym);
      assert.equal(anon.length, 2);
      assert.ok(anon.every((r) => r.ipAddress === null && r.userAgent === null));
      assert.equal((await log.getForUser('bob'))[0]?.ipAddress, '1.2.3.4');
    });

    test('as the global event sink: middleware events and config warnings land in the log', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      setSecurityLog(log);
      t.after(() => setSecurityLog(undefined));
      assert.equal(getSecurityLog(), log);
      globalEventSink.emit({ event: 'CSRF_VIOLATION', ip: '::ffff:10.1.2.3', path: '/form', detail: 'token mismatch' });
      globalEventSink.emit({ event: 'BAD_HOST', detail: 'evil.example' }); // unregistered but well-formed: kept
      globalEventSink.emit({ event: 'bad name', detail: 'x' }); // malformed: counted
      globalEventSink.emit({ event: 'CSRF_VIOLATION', userId: {} as never }); // unusable field: counted
      await log.flush();
      const rows = await log.getRecent();
      assert.deepEqual(rows.map((r) => r.event).sort(), ['BAD_HOST', 'CSRF_VIOLATION']);
      assert.equal(rows.find((r) => r.event === 'CSRF_VIOLATION')?.ipAddress, '10.1.2.3');
      assert.equal(log.stats().rejected, 2);
    });

    test('logFromRequest reads a node request and a fetch Request (no forwarding headers trusted)', async (t) => {
      const env = await backend.make(t);
      if (env === undefined) return;
      const { log } = env;
      const server = createServer((req, res) => {
        (req as unknown as { user: { id: number } }).user = { id: 77 };
        log.logFromRequest(SecurityEvent.CSRF_VIOLATION, req, { detail: 'token mismatch' }, { wait: true }).then(
          () => res.end('ok'),
          (err: Error) => res.end(err.message),
        );
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      t.after(() => server.close());
      const port = (server.address() as { port: number }).port;
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          { port, host: '127.0.0.1', path: '/transfer?amount=1', method: 'POST', headers: { 'user-agent': 'test-agent/1', 'x-forwarded-for': '6.6.6.6' } },
          (res) => {
            let data = '';
            res.on('data', (c: Buffer) => (data += c.toString()));
            res.on('end', () => resolve(data));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'ok');
      await log.logFromRequest(
        SecurityEvent.AUTH_REQUIRED,
        new Request('http://example.test/admin?x=1', { headers: { 'user-agent': 'fetch-agent' } }),
        { userId: 5 },
        { wait: true },
      );
      const [fromFetch, fromNode] = await log.getRecent();
      assert.deepEqual(
        { ip: fromNode!.ipAddress, ua: fromNode!.userAgent, path: fromNode!.path, user: fromNode!.userId, detail: fromNode!.detail },
        { ip: '127.0.0.1', ua: 'test-agent/1', path: '/transfer', user: '77', detail: 'token mismatch' },
      );
      assert.deepEqual(
        { ip: fromFetch!.ipAddress, ua: fromFetch!.userAgent, path: fromFetch!.path, user: fromFetch!.userId },
        { ip: null, ua: 'fetch-agent', path: '/admin', user: '5' },
      );
    });

    test('unlogged: true makes UNLOGGED partitions (or falls back to a regular table)', async (t) => {
      const env = await backend.make(t, { unlogged: true });
      if (env === undefined) return;
      await env.log.ensureTable();
      const rows = await env.raw.query<{ relpersistence: string }>(`select relpersistence from pg_class where relname = $1`, [`${env.table}_pdefault`]);
      if (env.log.unloggedFallback) assert.equal(rows[0]?.relpersistence, 'p');
      else assert.equal(rows[0]?.relpersistence, 'u');
      if (backend.name === 'postgres') assert.equal(env.log.unloggedFallback, false);
    });

    test('partition: false makes one plain table; used after close() is an error', async (t) => {
      const env = await backend.make(t, { partition: false });
      if (env === undefined) return;
      await env.log.log(SecurityEvent.LOGOUT, { userId: 1 }, { wait: true });
      const rows = await env.raw.query<{ relkind: string }>('select relkind from pg_class where relname = $1', [env.table]);
      assert.equal(rows[0]?.relkind, 'r');
      assert.deepEqual(await env.log.close(), { dropped: 0 });
      await assert.rejects(env.log.log(SecurityEvent.LOGOUT, {}), rejectsWith('ERR_RAMPART_LOG_CLOSED'));
      await assert.rejects(env.log.getRecent(), rejectsWith('ERR_RAMPART_LOG_CLOSED'));
    });
  });
}

describe('SecurityLog faults on a real PostgreSQL server', () => {
  test('PostgreSQL stopped while events are written, then restarted: no event lost', async (t) => {
    const env = await postgresBackend.make(t, { batchSize: 200, retryMinMs: 20, retryMaxMs: 200, writeTimeoutMs: 1500 });
    if (env === undefined || pg === undefined) return;
    const { log } = env;
    await log.ensureTable();
    const total = 3000;
    let sent = 0;
    const writer = (async () => {
      for (; sent < total; sent++) {
        await log.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '1.2.3.4', detail: `n=${sent}` });
        if (sent % 100 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    await pg.kill();
    // Longer than writeTimeoutMs: writes held by the driver time out and are retried meanwhile.
    await new Promise((r) => setTimeout(r, 2000));
    await pg.restart();
    await writer;
    await log.flush();
    const stats = log.stats();
    assert.equal(stats.dropped, 0);
    assert.ok(stats.failedFlushes >= 1, 'the outage was noticed');
    const rows = await env.raw.query<{ n: string; distinct_n: string }>(
      `select count(*) as n, count(distinct detail) as distinct_n from ${env.table} where event = 'RATE_LIMIT_HIT'`,
    );
    assert.equal(Number(rows[0]?.n), total);
    assert.equal(Number(rows[0]?.distinct_n), total);
  });

  test('batch writes slower than writeTimeoutMs on a live server: retried without storing any event twice', async (t) => {
    const env = await postgresBackend.make(t, { batchSize: 5000, retryMinMs: 10, retryMaxMs: 50, writeTimeoutMs: 100 });
    if (env === undefined || pg === undefined) return;
    const { log } = env;
    await log.ensureTable();
    // A SHARE lock on the table holds every INSERT on the server past the limit (reads go on), then lets them run.
    const blocker = env.raw.query(`do $$ begin lock table ${env.table} in share mode; perform pg_sleep(0.6); end $$`);
    // Log only once the lock is held (a fixed 50 ms wait could end first on a loaded box, and
    // the test then passed without any write being slow).
    const held = async (): Promise<boolean> =>
      (
        await env.raw.query<{ n: number }>(`select count(*)::int as n from pg_locks where relation = $1::regclass and mode = 'ShareLock' and granted`, [
          env.table,
        ])
      )[0]?.n === 1;
    for (const deadline = Date.now() + 20_000; !(await held()); ) {
      assert.ok(Date.now() < deadline, 'the blocking transaction did not get its lock within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const total = 12_000;
    for (let n = 0; n < total; n++) log.log(SecurityEvent.RATE_LIMIT_HIT, { ip: '1.2.3.4', detail: `n=${n}` });
    await blocker;
    await log.flush();
    assert.equal(log.stats().dropped, 0);
    const rows = await env.raw.query<{ n: string; distinct_n: string }>(
      `select count(*) as n, count(distinct detail) as distinct_n from ${env.table} where event = 'RATE_LIMIT_HIT'`,
    );
    assert.deepEqual([Number(rows[0]?.n), Number(rows[0]?.distinct_n)], [total, total]);
  });

  test('database down at close(): awaited events are rejected and counted as dropped', async (t) => {
    const env = await postgresBackend.make(t, { retryMinMs: 20, retryMaxMs: 100, closeTimeoutMs: 500 });
    if (env === undefined || pg === undefined) return;
    const server = pg;
    await env.log.ensureTable();
    await server.kill();
    t.after(() => server.restart());
    const waited = env.log.log(SecurityEvent.LOGOUT, { userId: 1 }, { wait: true });
    // Attach the expectation now: the rejection may come before close() resolves.
    const rejected = assert.rejects(waited, rejectsWith('ERR_RAMPART_LOG_DROPPED'));
    const res = await env.log.close();
    assert.deepEqual(res, { dropped: 1 });
    await rejected;
    assert.equal(env.log.stats().dropped, 1);
  });

  test('concurrent ensureTable from two processes', async (t) => {
    if (!pgTried) {
      pgTried = true;
      pg = await startPostgres(undefined);
    }
    if (pg === undefined) return t.skip('PostgreSQL not available');
    const table = freshTable();
    const script = fileURLToPath(new URL('./fixtures/ensure-table.ts', import.meta.url));
    const run = (): Promise<{ stdout: string }> => execFileAsync(process.execPath, [script, pg!.url, table], { timeout: 60_000 });
    const results = await Promise.all([run(), run(), run()]);
    assert.deepEqual(
      results.map((r) => r.stdout),
      ['ok\n', 'ok\n', 'ok\n'],
    );
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    t.after(() => sql.end({ timeout: 1 }));
    const [row] = await sql.unsafe(`select count(*)::int as n from ${table}`);
    assert.equal(row?.n, 3);
  });
});

test('misconfiguration fails at construction with ERR_RAMPART_CONFIG', () => {
  const bad: Array<Record<string, unknown>> = [
    { chain: true },
    { chain: true, chainKey: 'short' },
    { chain: true, chainKey: CHAIN_KEY, writers: 2 },
    { batchSize: 0 },
    { writers: 17 },
    { table: 'Robert; drop table x' },
  ];
  for (const options of bad) assert.throws(() => new SecurityLog(options as never), rejectsWith('ERR_RAMPART_CONFIG'), JSON.stringify(options));
  assert.throws(
    () => new SecurityLog({ bacthSize: 10 } as never),
    (e) => rejectsWith('ERR_RAMPART_UNKNOWN_OPTION')(e) && /did you mean "batchSize"/.test((e as Error).message),
  );
  assert.doesNotThrow(() => new SecurityLog({ chain: true, chainKey: CHAIN_KEY, writers: 1 }));
});
