import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { startPostgres, type PgServer } from '../../test/helpers/services.ts';
import { checkDatabase, openDatabase, type Database } from '../stores/database.ts';
import type { PendingRow } from './fields.ts';
import { readerOver } from './reader.ts';
import { Store } from './store.ts';
import { LogTable } from './store-schema.ts';
import { notYetStored } from './store-write.ts';

/** The five indexes of the layout before this one: descending by time, and a BRIN beside the time b-tree. */
const OLDER_INDEXES = (q: (suffix: string) => string, t: string): string[] => [
  `create index ${q('event_ts_idx')} on ${t} (event, "timestamp" desc)`,
  `create index ${q('user_ts_idx')} on ${t} (user_id, "timestamp" desc) where user_id is not null`,
  `create index ${q('ip_ts_idx')} on ${t} (ip_address, "timestamp" desc) where ip_address is not null`,
  `create index ${q('ts_idx')} on ${t} ("timestamp" desc, id desc)`,
  `create index ${q('ts_brin')} on ${t} using brin ("timestamp")`,
];

const rows = (n: number): PendingRow[] =>
  Array.from({ length: n }, (_, i) => ({
    event: i % 10 === 0 ? 'LOGIN_FAILED' : 'RATE_LIMIT_HIT',
    userId: i % 40 === 0 ? `u${i % 7}` : null,
    ip: i % 3 === 0 ? null : `10.0.${i % 200}.${i % 100}`,
    userAgent: 'ua',
    path: '/x',
    detail: null,
    time: Date.now() - 60_000 + i,
  }));

/** A database that records every statement it is given. */
function recording(db: Database, seen: Array<[string, readonly unknown[] | undefined]>): Database {
  return {
    ...db,
    backend: db.backend,
    query: <T>(text: string, params?: readonly unknown[]) => {
      seen.push([text, params]);
      return db.query<T>(text, params);
    },
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; Plans?: PlanNode[] };
/** What a plan asks of the table: sequential scans, index scans bounded by a condition, sorts. */
type Shape = { seq: number; bounded: number; sorts: number; nodes: string[] };
function shapeOf(node: PlanNode, out: Shape = { seq: 0, bounded: 0, sorts: 0, nodes: [] }): Shape {
  const type = node['Node Type'];
  out.nodes.push(`${type}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}${node['Index Cond'] ? ` (${node['Index Cond']})` : ''}`);
  if (type === 'Seq Scan') out.seq++;
  if (node['Index Cond'] !== undefined) out.bounded++;
  if (type === 'Sort' || type === 'Incremental Sort') out.sorts++;
  for (const child of node.Plans ?? []) shapeOf(child, out);
  return out;
}

/** A statement's plan with sequential scans priced out: a scan that can use an index does. */
async function planShape(db: Database, text: string, params: readonly unknown[] | undefined): Promise<Shape> {
  return db.transaction(async (tx) => {
    await tx.query('set local enable_seqscan = off');
    const [row] = await tx.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${text}`, params);
    const plan = typeof row!['QUERY PLAN'] === 'string' ? JSON.parse(row!['QUERY PLAN'] as string) : row!['QUERY PLAN'];
    return shapeOf((plan as Array<{ Plan: PlanNode }>)[0]!.Plan);
  });
}

async function layoutCheck(db: Database): Promise<void> {
  const settings = { partition: 'month' as const, partitionsAhead: 0, unlogged: false, chainKey: undefined };
  const current = new Store(db, { ...settings, table: 'idx_current' });
  await current.ensureTable();
  const defs = await db.query<{ def: string }>(`select indexdef as def from pg_indexes where tablename = 'idx_current' order by indexname`);
  assert.deepEqual(
    defs.map((d) => d.def.replace(/^.* USING /, '')),
    [
      'btree (event, "timestamp")',
      'btree (ip_address, "timestamp") WHERE (ip_address IS NOT NULL)',
      'btree ("timestamp", id)',
      'btree (user_id, "timestamp") WHERE (user_id IS NOT NULL)',
    ],
    'four b-trees, ascending by time (new rows land on the rightmost leaf), no BRIN',
  );
  // The older layout, to compare plans with.
  const older = new LogTable(db, { ...settings, table: 'idx_older' });
  await older.ensure((e) => e as Error);
  for (const d of await db.query<{ name: string }>(`select indexname as name from pg_indexes where tablename = 'idx_older'`)) {
    await db.query(`drop index "${d.name}"`);
  }
  for (const ddl of OLDER_INDEXES((s) => older.ident(s), older.q)) await db.query(ddl);
  const batch = rows(3000);
  await current.writeBatch(batch);
  await new Store(db, { ...settings, table: 'idx_older' }).writeBatch(rows(3000));
  await db.query('analyze idx_current');
  await db.query('analyze idx_older');

  // Every read the log API, the reader (CLI, dashboard, export) and an exactly-once retry run.
  const seen: Array<[string, readonly unknown[] | undefined]> = [];
  const spy = recording(db, seen);
  const store = new Store(spy, { ...settings, table: 'idx_current' });
  const since = new Date(Date.now() - 3_600_000);
  await store.recent(50);
  await store.forColumn('user_id', 'u0', 50, undefined);
  await store.forColumn('ip_address', '10.0.1.1', 50, since);
  await store.byEvent('LOGIN_FAILED', since, 50);
  await store.count({}, since);
  await store.count({ event: 'LOGIN_FAILED', ip: '10.0.1.1' }, since);
  await store.userSummary('u0');
  await store.countsByEvent(since);
  await store.topIps(since, 10);
  const reader = readerOver(spy, 'idx_current', false);
  await reader.getByEvent('LOGIN_FAILED', { limit: 10, sinceHours: 1 });
  await reader.hasEvent('LOGIN_FAILED');
  await reader.page({ time: new Date(0).toISOString(), id: 0 }, 100);
  await reader.eventsOverTime(since, 60);
  await notYetStored(new LogTable(spy, { ...settings, table: 'idx_current' }), batch.slice(0, 100));
  const statements = seen.filter(([text]) => /^\s*(select|with)\b/i.test(text) && text.includes('"idx_current"'));
  assert.ok(statements.length >= 14, `${statements.length} statements recorded`);
  for (const [text, params] of statements) {
    const now = await planShape(db, text, params);
    const before = await planShape(db, text.replaceAll('"idx_current', '"idx_older'), params);
    const why = `${text}\nnow: ${now.nodes.join(' / ')}\nbefore: ${before.nodes.join(' / ')}`;
    // No new full scan, no index condition lost (a range the BRIN bounded, the b-tree bounds), no new sort.
    assert.ok(now.seq <= before.seq, why);
    assert.ok(now.bounded >= before.bounded, why);
    assert.ok(now.sorts <= before.sorts, why);
  }
}

test('the log table has four ascending b-trees and no BRIN, and every read that used an index with the older five still uses one (embedded PGlite)', async () => {
  const db = await openDatabase(checkDatabase('memory', 'test'));
  try {
    await layoutCheck(db);
  } finally {
    await db.close();
  }
});

let pg: PgServer | undefined;
after(async () => {
  await pg?.stop();
});

test('the same on PostgreSQL', async (t) => {
  pg = await startPostgres(t);
  if (pg === undefined) return;
  const sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  await sql.end({ timeout: 1 });
  const db = await openDatabase(checkDatabase(pg.url, 'test'), { poolSize: 2, connectTimeout: 10 });
  try {
    await layoutCheck(db);
  } finally {
    await db.close();
  }
});
