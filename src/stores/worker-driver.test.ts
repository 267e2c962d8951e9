import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGliteWorkerDriver } from './worker-driver.ts';

test('the SecurityLog on embedded PGlite runs no SQL on the main thread (PGlite is loaded only in the worker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-worker-'));
  try {
    const script = `
      import { registerHooks } from 'node:module';
      const seen = new Set();
      registerHooks({ load(url, ctx, next) { seen.add(url); return next(url, ctx); } });
      const { rampart } = await import(${JSON.stringify(new URL('../index.ts', import.meta.url).href)});
      const shield = rampart({ allowedHosts: ['app.example'], log: { database: ${JSON.stringify(join(dir, 'nested', 'security'))} } });
      const { default: http } = await import('node:http');
      const server = http.createServer(shield.node((req, res) => res.end('ok')));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address();
      const res = await fetch('http://127.0.0.1:' + port + '/', { headers: { host: 'evil.example' } });
      await res.text();
      await shield.log.flush();
      const rows = await shield.log.getByEvent('INVALID_HOST');
      server.close();
      await shield.close();
      process.stdout.write(JSON.stringify({ status: res.status, rows: rows.length, ip: rows[0]?.ipAddress, mainThreadPglite: [...seen].some((s) => s.includes('@electric-sql/pglite')) }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { status: number; rows: number; ip: string; mainThreadPglite: boolean };
    assert.equal(result.status, 400);
    assert.equal(result.rows, 1);
    assert.equal(result.ip, '127.0.0.1');
    assert.equal(result.mainThreadPglite, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PGliteWorkerDriver: queries, transactions that commit and roll back, and database errors keep their SQLSTATE', async () => {
  const driver = new PGliteWorkerDriver(undefined);
  try {
    await driver.open();
    await driver.query('create table t (id int primary key, at timestamptz)');
    const at = new Date('2026-01-02T03:04:05.000Z');
    await driver.transaction(async (tx) => {
      await tx.query('insert into t values ($1, $2)', [1, at]);
    });
    await assert.rejects(
      driver.transaction(async (tx) => {
        await tx.query('insert into t values ($1, $2)', [2, at]);
        throw new Error('abort');
      }),
      /abort/,
    );
    const rows = await driver.query<{ id: number; at: Date }>('select id, at from t order by id');
    assert.deepEqual(
      rows.map((r) => r.id),
      [1],
      'the rolled-back insert is gone',
    );
    assert.ok(rows[0]!.at instanceof Date && rows[0]!.at.getTime() === at.getTime(), 'dates survive the thread boundary');
    await assert.rejects(driver.query('insert into t values (1, now())'), (err: Error & { code?: string }) => err.code === '23505');
    await assert.rejects(
      driver.transaction(async (tx) => {
        await tx.query('insert into t values (1, now())');
      }),
      (err: Error & { code?: string }) => err.code === '23505',
    );
    assert.equal((await driver.query<{ n: number }>('select count(*)::int as n from t'))[0]!.n, 1);
  } finally {
    await driver.close();
  }
  await assert.rejects(driver.query('select 1'), /exited|terminated/);
});

test('PGliteWorkerDriver.copyRows (on disk): one text-format COPY per batch, nulls, backslashes and unicode intact, in and out of a transaction', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-copy-'));
  const driver = new PGliteWorkerDriver(join(dir, 'db'));
  try {
    await driver.open();
    await driver.query('create table c (id int8 primary key, a text, b text, at timestamptz)');
    const tricky = ['back\\slash', '\\N', 'tab\there', 'line\nbreak\r\n', '\\.', 'ünïcødé 🛡', ''];
    const rows = tricky.map((a, i) => [i, a, i % 2 === 0 ? null : `b${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()] as const);
    assert.equal(typeof driver.copyRows, 'function');
    await driver.copyRows!('c', ['id', 'a', 'b', 'at'], rows.slice(0, 4));
    await driver.transaction(async (tx) => {
      assert.equal(typeof tx.copyRows, 'function');
      await tx.copyRows!('c', ['id', 'a', 'b', 'at'], rows.slice(4));
    });
    await assert.rejects(
      driver.transaction(async (tx) => {
        await tx.copyRows!('c', ['id', 'a', 'b', 'at'], [[100, 'rolled back', null, new Date().toISOString()]]);
        throw new Error('abort');
      }),
      /abort/,
    );
    // A row that breaks a constraint fails the whole COPY with the database's SQLSTATE.
    await assert.rejects(
      driver.copyRows!('c', ['id', 'a', 'b', 'at'], [[0, 'duplicate', null, new Date().toISOString()]]),
      (err: Error & { code?: string }) => err.code === '23505',
    );
    const stored = await driver.query<{ id: string; a: string; b: string | null; at: Date }>('select id::text, a, b, at from c order by id');
    assert.deepEqual(
      stored.map((r) => [Number(r.id), r.a, r.b, r.at.toISOString()]),
      rows.map((r) => [...r]),
    );
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an in-memory PGliteWorkerDriver offers no copyRows: its files live in MEMFS, where the bulk extension COPY makes (fallocate) copies the whole file, so a growing table got slower per row', async () => {
  const driver = new PGliteWorkerDriver(undefined);
  try {
    await driver.open();
    assert.equal(driver.ephemeral, true);
    assert.equal(driver.copyRows, undefined);
    await driver.transaction(async (tx) => {
      assert.equal(tx.copyRows, undefined);
    });
  } finally {
    await driver.close();
  }
});
