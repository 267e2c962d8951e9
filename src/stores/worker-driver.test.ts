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

const COPY_COLUMNS = [
  ['id', 'int8'],
  ['a', 'text'],
  ['b', 'text'],
  ['at', 'timestamptz'],
] as const;

for (const where of ['on disk', 'in memory'] as const) {
  test(`PGliteWorkerDriver.copyRows (${where}): one binary COPY per batch, nulls, COPY text's special characters, unicode, 53-bit ids and millisecond times intact, in and out of a transaction`, async () => {
    const dir = where === 'on disk' ? mkdtempSync(join(tmpdir(), 'rampart-copy-')) : undefined;
    const driver = new PGliteWorkerDriver(dir === undefined ? undefined : join(dir, 'db'));
    try {
      await driver.open();
      await driver.query('create table c (id int8 primary key, a text, b varchar(8), at timestamptz)');
      const tricky = ['back\\slash', '\\N', 'tab\there', 'line\nbreak\r\n', '\\.', 'ünïcødé 🛡', '', 'x'.repeat(9000)];
      const ids = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 40) - 3, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
      const times = [
        Date.UTC(2026, 0, 1, 0, 0, 0, 1),
        Date.UTC(1999, 11, 31, 23, 59, 59, 999),
        Date.UTC(2000, 0, 1),
        Date.UTC(1970, 0, 1),
        Date.UTC(2262, 3, 11, 23, 47, 16, 854),
        1,
        -1,
        Date.UTC(2026, 11, 5, 7, 30),
      ];
      const rows = tricky.map((a, i) => [ids[i]!, a, i % 2 === 0 ? null : `b${i}é`, times[i]!] as const);
      assert.equal(typeof driver.copyRows, 'function');
      await driver.copyRows!('c', COPY_COLUMNS, rows.slice(0, 4));
      await driver.transaction(async (tx) => {
        assert.equal(typeof tx.copyRows, 'function');
        await tx.copyRows!('c', COPY_COLUMNS, rows.slice(4));
      });
      await assert.rejects(
        driver.transaction(async (tx) => {
          await tx.copyRows!('c', COPY_COLUMNS, [[100, 'rolled back', null, Date.now()]]);
          throw new Error('abort');
        }),
        /abort/,
      );
      // A row that breaks a constraint fails the whole COPY with the database's SQLSTATE: a
      // duplicate key, and a value too long for its varchar, as with an INSERT.
      await assert.rejects(
        driver.copyRows!('c', COPY_COLUMNS, [
          [1000, 'a', null, 0],
          [0, 'duplicate', null, 0],
        ]),
        (err: Error & { code?: string }) => err.code === '23505',
      );
      await assert.rejects(driver.copyRows!('c', COPY_COLUMNS, [[1001, 'a', 'ninechars', 0]]), (err: Error & { code?: string }) => err.code === '22001');
      const stored = await driver.query<{ id: string; a: string; b: string | null; ms: string }>(
        `select id::text, a, b, (extract(epoch from at) * 1000)::int8::text as ms from c order by c.id`,
      );
      assert.deepEqual(
        stored.map((r) => [Number(r.id), r.a, r.b, Number(r.ms)]),
        [...rows].sort((x, y) => x[0] - y[0]).map((r) => [...r]),
      );
    } finally {
      await driver.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('an in-memory PGliteWorkerDriver extends its files by writing zeros: in MEMFS, the posix_fallocate a bulk COPY extends a table with copies the whole file each time', async () => {
  const driver = new PGliteWorkerDriver(undefined);
  try {
    await driver.open();
    assert.equal(driver.ephemeral, true);
    assert.deepEqual(await driver.query('show file_extend_method'), [{ file_extend_method: 'write_zeros' }]);
  } finally {
    await driver.close();
  }
});
