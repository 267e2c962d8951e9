import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { startPostgres } from '../../test/helpers/services.ts';
import { isRampartError } from '../errors.ts';
import { SecurityLog } from '../log/index.ts';
import { apiKeys } from '../auth/index.ts';
import { checkDatabase, DATABASE_SHAPES, isPGlite, isPostgresClient, openDatabase } from './database.ts';
import { postgresNonceStore } from './nonces.ts';
import { postgresSessionStore } from './sessions.ts';
import { postgresStore } from './postgres.ts';
import type { Policy } from './types.ts';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'k'.repeat(16) + 'Zq8v2Lr6Xw0Tn4Bm7Kc1Hd5Gf9Js3Pa8';
const POLICY: Policy = Object.freeze({ id: 'g', algorithm: 'fixed-window', limit: 2, windowMs: 60_000 });

/** Every owner of a `database` option, built with `database`. */
const OWNERS: Array<[string, (database: unknown) => unknown]> = [
  ['SecurityLog', (database) => new SecurityLog({ database: database as never })],
  ['apiKeys', (database) => apiKeys({ secret: SECRET, database: database as never })],
  ['postgresSessionStore', (database) => postgresSessionStore({ database: database as never })],
  ['postgresNonceStore', (database) => postgresNonceStore({ database: database as never })],
  ['postgresStore', (database) => postgresStore({ database: database as never })],
];

test('each database shape is read as the backend it names', () => {
  const dir = join(tmpdir(), 'rampart-db-shape');
  assert.deepEqual(checkDatabase(undefined, 'x'), { source: 'path', backend: 'pglite', dataDir: undefined });
  for (const memory of ['memory', ':memory:', 'memory://', 'pglite'])
    assert.deepEqual(checkDatabase(memory, 'x'), { source: 'path', backend: 'pglite', dataDir: undefined }, memory);
  assert.deepEqual(checkDatabase(dir, 'x'), { source: 'path', backend: 'pglite', dataDir: dir });
  assert.deepEqual(checkDatabase('postgres://app@db:5432/app', 'x'), { source: 'url', backend: 'postgres', url: 'postgres://app@db:5432/app' });
  assert.deepEqual(checkDatabase('POSTGRESQL://app@db/app', 'x'), { source: 'url', backend: 'postgres', url: 'POSTGRESQL://app@db/app' });
  const sql = postgres('postgres://nobody@127.0.0.1:1/none'); // a client connects on its first query only
  assert.equal(checkDatabase(sql, 'x').backend, 'postgres');
  assert.equal(checkDatabase(sql, 'x').source, 'client');
  const pg = new PGlite();
  assert.equal(checkDatabase(pg, 'x').backend, 'pglite');
  assert.equal(checkDatabase(pg, 'x').source, 'client');
  assert.ok(Object.isFrozen(checkDatabase(pg, 'x')));
  // One check each: a real client of each kind is recognised, and is not taken for the other.
  assert.deepEqual([isPostgresClient(sql), isPGlite(sql), isPostgresClient(pg), isPGlite(pg)], [true, false, false, true]);
  assert.throws(() => checkDatabase(undefined, 'x', { fallback: 'required' }), { code: 'ERR_RAMPART_CONFIG' });
  assert.throws(() => checkDatabase(pg, 'x', { backends: ['postgres'] }), { code: 'ERR_RAMPART_CONFIG' });
});

test('a bad database shape fails at construction with ERR_RAMPART_CONFIG naming the shapes, for every owner', () => {
  const bad: unknown[] = [42, '', '   ', null, {}, [], { query() {}, exec() {} }, () => {}, 'mysql://app:hunter2@db/app', 'postgres://app:hunter2@[bad/app'];
  for (const [owner, make] of OWNERS) {
    for (const value of bad) {
      assert.throws(
        () => make(value),
        (err: unknown) => {
          assert.ok(isRampartError(err, 'ERR_RAMPART_CONFIG'), `${owner}: ${String(value)} → ${String(err)}`);
          assert.match(err.message, new RegExp(owner));
          if (!(typeof value === 'string' && value.startsWith('postgres:')))
            assert.ok(err.message.includes(DATABASE_SHAPES), `${owner}: names the shapes: ${err.message}`);
          assert.ok(!err.message.includes('hunter2'), `${owner}: never shows a password: ${err.message}`);
          return true;
        },
      );
    }
  }
});

test("'memory' is an in-memory PGlite for every owner (the auth stores used to create a directory named memory)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-memory-'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const nonces = postgresNonceStore({ database: 'memory' });
    assert.equal(await nonces.add('n1', 60), true);
    assert.equal(await nonces.add('n1', 60), false);
    await nonces.close?.();
    const sessions = postgresSessionStore({ database: 'memory' });
    await sessions.set('s1', '{}', 60);
    assert.equal(await sessions.get('s1'), '{}');
    await sessions.close?.();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PGlite path opens in a worker thread, and the same shape serves the log, the auth tables and the rate-limit store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-path-'));
  try {
    const path = join(dir, 'nested', 'db');
    const db = await openDatabase(checkDatabase(path, 'test'));
    assert.equal(db.backend, 'pglite');
    assert.equal(db.constructor.name, 'PGliteWorkerDriver');
    assert.deepEqual(await db.transaction(async (tx) => tx.query<{ n: number }>('select 1 as n')), [{ n: 1 }]);
    await db.close();
    assert.ok(statSync(path).isDirectory(), 'the data directory (and its parents) were created');

    const store = postgresStore({ database: 'memory' });
    const decisions = [];
    const now = 1_700_000_010_000; // one instant: the three requests fall in one window
    for (let i = 0; i < 3; i++) decisions.push((await store.consume('203.0.113.1', POLICY, now)).allowed);
    assert.deepEqual(decisions, [true, true, false]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Every owner writes one row through `database` (a caller's client) and is closed; the client
 * must still answer, and hold the five rows (tables `<prefix>_…`).
 */
async function everyOwnerOn(database: PGlite | ReturnType<typeof postgres>, prefix: string): Promise<number> {
  const log = new SecurityLog({ database, table: `${prefix}_log`, flushIntervalMs: 5 });
  await log.log('LOGIN_FAILED', { ip: '203.0.113.5' }, { wait: true });
  await log.close();
  const keys = apiKeys({ secret: SECRET, database, table: `${prefix}_keys` });
  await keys.create({ owner: 'acme' });
  await keys.close();
  const sessions = postgresSessionStore({ database, table: `${prefix}_sessions` });
  await sessions.set('s', '{}', 60);
  await sessions.close?.();
  const nonces = postgresNonceStore({ database, table: `${prefix}_nonces` });
  await nonces.add('n', 60);
  await nonces.close?.();
  const limiter = postgresStore({ database, tablePrefix: `${prefix}_` });
  await limiter.consume('k', POLICY, Date.now());
  await limiter.close();
  const tables = ['log', 'keys', 'sessions', 'nonces', 'rate_limit'].map((t) => `(select count(*) from ${prefix}_${t})::int`).join(' + ');
  const rows =
    database instanceof PGlite ? (await database.query<{ n: number }>(`select ${tables} as n`)).rows : await database.unsafe(`select ${tables} as n`);
  return Number(rows[0]!.n);
}

test("a caller's PGlite instance is used as it is and never closed by rampart", async () => {
  const pg = new PGlite();
  try {
    assert.equal(await everyOwnerOn(pg, 'mine'), 5);
    assert.equal(pg.closed, false);
  } finally {
    await pg.close();
  }
});

test("a postgres:// URL opens a pool rampart closes; a caller's postgres client is never closed", async (t) => {
  const server = await startPostgres(t);
  if (server === undefined) return;
  const owned = await openDatabase(checkDatabase(server.url, 'test'), { poolSize: 1, connectTimeout: 5 });
  assert.equal(owned.backend, 'postgres');
  assert.deepEqual(await owned.query('select $1::int as n', [7]), [{ n: 7 }]);
  await owned.close();
  await assert.rejects(owned.query('select 1'));

  const sql = postgres(server.url, { max: 2, onnotice: () => {} });
  try {
    assert.equal(await everyOwnerOn(sql, 'theirs'), 5);
    const old = postgresStore({ sql, tablePrefix: 'theirs_' }); // the deprecated name leaves it open too
    await old.consume('k2', POLICY, Date.now());
    await old.close();
    assert.deepEqual([...(await sql`select 1 as n`)], [{ n: 1 }]);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

test('an awaited statement on a worker PGlite keeps the process alive; an idle one does not', () => {
  const script = `
    const { postgresNonceStore } = await import(${JSON.stringify(new URL('./nonces.ts', import.meta.url).href)});
    const store = postgresNonceStore({ database: 'memory' });
    process.stdout.write(String(await store.add('n', 60)));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'true', 'the script ran to its end, then exited although the store was never closed');
});

test('one opener: PGlite and postgres.js clients are created, and recognised, only in src/stores/', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'fixtures') walk(full);
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) files.push(full);
    }
  };
  walk(SRC);
  const found: string[] = [];
  for (const file of files) {
    const rel = relative(SRC, file);
    // Code only: comments may show how a client is made.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1');
    const opens = /new PGlite\(|\bpostgres\(\s*[A-Za-z_][\w.!]*\s*[,)]/.test(text);
    const checks = /function (isPGlite|isPostgresClient)\b/.test(text);
    if (opens && rel !== join('stores', 'database.ts') && rel !== join('stores', 'pglite-worker.ts')) found.push(`${rel} opens a database`);
    if (checks && rel !== join('stores', 'database.ts')) found.push(`${rel} has its own client check`);
  }
  assert.deepEqual(found, []);
  assert.ok(existsSync(join(SRC, 'stores', 'database.ts')));
});

test('postgresStore: database is the option; sql and url stay as its deprecated older names, and giving two is a construction error', () => {
  const sql = postgres('postgres://nobody@127.0.0.1:1/none');
  assert.equal(typeof postgresStore({ database: 'postgres://app@db/app' }).open, 'function');
  assert.equal(typeof postgresStore({ url: 'postgres://app@db/app' }).open, 'function');
  assert.equal(typeof postgresStore({ sql }).open, 'function');
  for (const bad of [
    { sql, database: sql },
    { url: 'postgres://a@b/c', database: 'postgres://a@b/c' },
    { sql, url: 'postgres://a@b/c' },
    { url: './counters' },
    { sql: new PGlite() },
    {},
  ]) {
    assert.throws(() => postgresStore(bad as never), { code: 'ERR_RAMPART_CONFIG' }, JSON.stringify(Object.keys(bad)));
  }
});

test('closing a store that was never used opens nothing (no database, no worker, no directory)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-unused-'));
  try {
    await postgresSessionStore({ database: join(dir, 'sessions') }).close?.();
    await postgresNonceStore({ database: join(dir, 'nonces') }).close?.();
    await postgresStore({ database: join(dir, 'limits') }).close();
    await new SecurityLog({ database: join(dir, 'log') }).close();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
