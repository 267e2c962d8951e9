import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDatabase, openDatabase } from '../stores/database.ts';
import { Store } from './store.ts';
import type { PendingRow } from './fields.ts';

const settings = { table: 'layout_events', partition: 'month' as const, partitionsAhead: 1, unlogged: false, chainKey: undefined };

test('an in-memory PGlite log writes no WAL for its rows (UNLOGGED: nothing outlives the process anyway); one on disk stays logged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-layout-'));
  try {
    for (const [where, expected] of [
      ['memory', 'u'],
      [join(dir, 'security'), 'p'],
    ] as const) {
      const db = await openDatabase(checkDatabase(where, 'test'));
      try {
        const store = new Store(db, settings);
        await store.ensureTable();
        const kinds = await db.query<{ name: string; persistence: string }>(
          `select c.relname as name, c.relpersistence as persistence from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass('layout_events')`,
        );
        assert.ok(kinds.length >= 2, 'the default partition and the current month');
        for (const k of kinds) assert.equal(k.persistence, expected, `${where}: ${k.name} is ${expected === 'u' ? 'UNLOGGED' : 'logged'}`);
        assert.equal(store.unloggedFallback, false);
      } finally {
        await db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the user and ip indexes leave out rows without a user or an ip (most events are anonymous), and lookups by user or ip still use them', async () => {
  const db = await openDatabase(checkDatabase('memory', 'test'));
  try {
    const store = new Store(db, { ...settings, partition: false });
    const rows: PendingRow[] = Array.from({ length: 3000 }, (_, i) => ({
      event: 'RATE_LIMIT_HIT',
      userId: i % 50 === 0 ? `u${i % 7}` : null,
      ip: i % 3 === 0 ? null : `10.0.${i % 200}.${i % 100}`,
      userAgent: null,
      path: '/x',
      detail: null,
      time: Date.now() - i,
    }));
    await store.writeBatch(rows);
    await db.query('analyze layout_events');
    const defs = await db.query<{ def: string }>(`select indexdef as def from pg_indexes where tablename = 'layout_events'`);
    assert.ok(
      defs.some((d) => /\(user_id, "timestamp"\) WHERE \(user_id IS NOT NULL\)/.test(d.def)),
      JSON.stringify(defs),
    );
    assert.ok(
      defs.some((d) => /\(ip_address, "timestamp"\) WHERE \(ip_address IS NOT NULL\)/.test(d.def)),
      JSON.stringify(defs),
    );
    for (const [column, value] of [
      ['user_id', 'u0'],
      ['ip_address', '10.0.1.1'],
    ] as const) {
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `explain select id from layout_events where ${column} = $1 and "timestamp" >= $3 order by "timestamp" desc, id desc limit $2`,
        [value, 100, new Date(0).toISOString()],
      );
      assert.match(
        plan.map((p) => p['QUERY PLAN']).join('\n'),
        new RegExp(`layout_events_${column === 'user_id' ? 'user' : 'ip'}_ts_idx`),
        `${column} lookup uses its index`,
      );
    }
    assert.equal((await store.forColumn('user_id', 'u0', 1000, undefined)).length, rows.filter((r) => r.userId === 'u0').length);
    assert.equal((await store.forColumn('ip_address', '10.0.1.1', 1000, undefined)).length, rows.filter((r) => r.ip === '10.0.1.1').length);
  } finally {
    await db.close();
  }
});
