import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { checkDatabase, openDatabase, type Database } from '../stores/database.ts';
import { Store, type PartitionMode } from './store.ts';
import type { PendingRow } from './fields.ts';

/** A database whose INSERTs (and COPYs) can be made to fail, as when the connection is lost mid-write. */
function failing(base: Database): Database & { failInserts: boolean } {
  const lost = (): Promise<never> => Promise.reject(new Error('connection reset'));
  const db: Database & { failInserts: boolean } = {
    backend: base.backend,
    ...(base.ephemeral === undefined ? {} : { ephemeral: base.ephemeral }),
    failInserts: false,
    query: <T>(text: string, params?: readonly unknown[]): Promise<T[]> =>
      db.failInserts && text.startsWith('insert into') ? lost() : base.query<T>(text, params),
    ...(base.copyRows === undefined
      ? {}
      : {
          copyRows: (table: string, columns: Parameters<NonNullable<Database['copyRows']>>[1], rows: Parameters<NonNullable<Database['copyRows']>>[2]) =>
            db.failInserts ? lost() : base.copyRows!(table, columns, rows),
        }),
    transaction: (fn) => base.transaction(fn),
    close: () => base.close(),
  };
  return db;
}

/** The embedded shapes: a caller's PGlite on this thread (INSERT … unnest), rampart's in a worker thread in memory and on disk (binary COPY). */
const EMBEDDED = {
  "caller's PGlite": async () => {
    const pg = new PGlite();
    // rampart never closes a caller's instance: the test does.
    return Object.assign(failing(await openDatabase(checkDatabase(pg, 'test'))), { close: () => pg.close() });
  },
  'PGlite worker in memory': async () => {
    const db = failing(await openDatabase(checkDatabase('memory', 'test')));
    assert.equal(typeof db.copyRows, 'function', 'batches go in with COPY');
    return db;
  },
  'PGlite worker on disk': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-store-'));
    const db = failing(await openDatabase(checkDatabase(join(dir, 'security'), 'test')));
    assert.equal(typeof db.copyRows, 'function', 'batches go in with COPY');
    const close = db.close;
    return Object.assign(db, { close: () => close().finally(() => rmSync(dir, { recursive: true, force: true })) });
  },
};

const rowsOf = (n: number, from = 0): PendingRow[] =>
  Array.from({ length: n }, (_, i) => ({
    event: 'LOGIN_FAILED',
    userId: null,
    ip: '10.0.0.1',
    userAgent: null,
    path: '/login',
    detail: `n=${from + i}`,
    time: Date.now() + i,
  }));

for (const [shape, open] of Object.entries(EMBEDDED)) {
  for (const partition of [false, 'month'] as PartitionMode[]) {
    for (const chained of [false, true]) {
      test(`a batch written again after its commit reply was lost is stored once (${shape}, partition ${partition}, chain ${chained})`, async () => {
        const db = await open();
        const store = new Store(db, {
          table: 'security_events',
          partition,
          partitionsAhead: 1,
          unlogged: false,
          chainKey: chained ? Buffer.alloc(32, 7) : undefined,
        });
        try {
          const first = rowsOf(50);
          await store.writeBatch(first);
          assert.ok(
            first.every((r) => typeof r.id === 'number'),
            'the first attempt reserves an id per row',
          );
          // The writer retries the same pending rows when it cannot tell whether the COPY committed.
          await store.writeBatch(first);
          // A retried batch can also carry rows that were never written.
          const fresh = rowsOf(30, 50);
          await store.writeBatch([...first.slice(40), ...fresh]);
          const [count] = await store.db.query<{ n: number; d: number }>('select count(*)::int as n, count(distinct detail)::int as d from security_events');
          assert.deepEqual(count, { n: 80, d: 80 });
          if (chained) assert.equal((await store.verify()).ok, true, 'the chain is intact');
        } finally {
          await db.close();
        }
      });
    }
  }

  test(`ids handed out again after a crash (the sequence went back) do not hide a batch that was never stored (${shape})`, async () => {
    const db = await open();
    const store = new Store(db, { table: 'security_events', partition: 'month', partitionsAhead: 1, unlogged: false, chainKey: undefined });
    try {
      await store.ensureTable();
      // Batch A reserves ids, then its COPY is lost with the server.
      const lost = rowsOf(20);
      db.failInserts = true;
      await assert.rejects(store.writeBatch(lost), /connection reset/);
      db.failInserts = false;
      // The crash also lost the sequence's advance: batch B, written after the restart, gets the same ids.
      await store.db.query(`select setval('security_events_id_seq', $1::int8, false)`, [lost[0]!.id]);
      const later = rowsOf(20, 100).map((r) => ({ ...r, time: r.time + 5 }));
      await store.writeBatch(later);
      assert.deepEqual(
        later.map((r) => r.id),
        lost.map((r) => r.id),
        'the same ids were handed out again',
      );
      // The retry of A must not mistake B's rows for its own.
      await store.writeBatch(lost);
      const [count] = await store.db.query<{ n: number; d: number }>('select count(*)::int as n, count(distinct detail)::int as d from security_events');
      assert.deepEqual(count, { n: 40, d: 40 });
    } finally {
      await db.close();
    }
  });
}
