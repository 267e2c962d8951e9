/**
 * Batch writes of the SecurityLog, exactly once: ids are reserved before the INSERT and kept on
 * the pending rows, so a retry after an ambiguous failure (the INSERT committed, the connection
 * died before the reply) writes only the rows that are not stored yet.
 */
import type { CopyColumn } from '../stores/copy-binary.ts';
import type { Queryable } from '../stores/database.ts';
import { sealBatch } from './store-chain.ts';
import type { PendingRow } from './fields.ts';
import type { InsertRow, LogTable } from './store-schema.ts';

const COLUMNS = ['id', 'event', 'user_id', 'ip_address', 'user_agent', 'path', 'detail', '"timestamp"', 'chain_prev', 'chain_hmac'].join(', ');
const TYPES = ['int8', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text'];
/** The columns of a binary COPY; the chain columns only when the batch is chained (absent: NULL). */
const COPY_COLUMNS: readonly CopyColumn[] = [
  ['id', 'int8'],
  ['event', 'text'],
  ['user_id', 'text'],
  ['ip_address', 'text'],
  ['user_agent', 'text'],
  ['path', 'text'],
  ['detail', 'text'],
  ['"timestamp"', 'timestamptz'],
];
const COPY_CHAIN_COLUMNS: readonly CopyColumn[] = [...COPY_COLUMNS, ['chain_prev', 'text'], ['chain_hmac', 'text']];

/**
 * One multi-row INSERT … SELECT unnest(…): a column array per parameter, so a batch is one
 * statement whose outcome the driver reports like any other query. COPY through postgres.js
 * peaked about 20% higher but could report as finished a COPY that a database restart had
 * discarded: its completion callback outlived the connection and fired on the next reply.
 */
export async function insertRows(q: Queryable, table: string, rows: readonly InsertRow[], chained = false): Promise<void> {
  if (rows.length === 0) return;
  if (q.copyRows !== undefined) {
    // The embedded PGlite in its worker: one binary COPY, about 3 µs of PGlite's time less per row than unnest.
    await q.copyRows(
      table,
      chained ? COPY_CHAIN_COLUMNS : COPY_COLUMNS,
      rows.map((r) =>
        chained
          ? [r.id ?? null, r.event, r.userId, r.ip, r.userAgent, r.path, r.detail, r.time, r.chainPrev ?? null, r.chainHmac ?? null]
          : [r.id ?? null, r.event, r.userId, r.ip, r.userAgent, r.path, r.detail, r.time],
      ),
    );
    return;
  }
  const params: unknown[][] = TYPES.map(() => []);
  for (const r of rows) {
    params[0]!.push(r.id);
    params[1]!.push(r.event);
    params[2]!.push(r.userId);
    params[3]!.push(r.ip);
    params[4]!.push(r.userAgent);
    params[5]!.push(r.path);
    params[6]!.push(r.detail);
    params[7]!.push(isoTime(r.time));
    params[8]!.push(r.chainPrev ?? null);
    params[9]!.push(r.chainHmac ?? null);
  }
  const placeholders = TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
  await q.query(`insert into ${table} (${COLUMNS}) select * from unnest(${placeholders})`, params);
}

let lastTime = Number.NaN;
let lastIso = '';
/** The ISO form of a time; events of one millisecond (dozens under load) share one conversion. */
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastIso = new Date(ms).toISOString();
    lastTime = ms;
  }
  return lastIso;
}

/**
 * Write one batch in one multi-row INSERT (or COPY); chained (under the chain lock) when the
 * table has a chain key. Unchained, the pending rows are written as they are: their ids are
 * the ones reserved for them, which a retry needs anyway.
 */
export async function writeBatch(t: LogTable, rows: readonly PendingRow[], signal?: AbortSignal): Promise<void> {
  await t.ensurePeriods(rows.map((r) => r.time));
  signal?.throwIfAborted();
  const key = t.settings.chainKey;
  if (key === undefined) {
    await reserveIds(t, t.db, rows);
    signal?.throwIfAborted();
    await insertRows(t.db, t.q, rows);
    return;
  }
  // A copy per row: the seal belongs to this attempt (a retry seals again after the then last MAC).
  const insert: InsertRow[] = rows.map((r) => ({ ...r }));
  await t.db.transaction(async (tx) => {
    await t.lock(tx, 'chain');
    await reserveIds(t, tx, insert, rows);
    await sealBatch(t, tx, key, insert);
    await insertRows(tx, t.q, insert, true);
  });
}

/**
 * Take one id per row from the table's sequence; each goes on the row to insert and on its
 * pending row. nextval alone does not make its transaction flush WAL at commit, so after a
 * server crash the sequence can hand the same ids out again; taking a transaction id makes
 * the commit durable, and with it the reservation.
 */
async function reserveIds(t: LogTable, q: Queryable, insert: readonly InsertRow[], pending: readonly PendingRow[] = insert): Promise<void> {
  if (t.db.backend === 'pglite') {
    await reserveRange(t, q, insert, pending);
    return;
  }
  // One row holding an array, not one row per id: a 5,000-event batch reserves its ids with
  // one value to parse and send back (about a third less work, most visible on PGlite's thread).
  const [reserved] = await q.query<{ ids: ReadonlyArray<number | string> | string | null }>(
    `select array_agg(nextval(pg_get_serial_sequence($1, 'id'))) as ids from generate_series(1, $2::int), (select pg_current_xact_id()) as durable`,
    [t.q, insert.length],
  );
  // A driver that does not parse arrays hands back the text form, '{1,2,3}'.
  const raw = reserved?.ids;
  const ids = typeof raw === 'string' ? raw.slice(1, -1).split(',') : raw;
  if (ids === undefined || ids === null || ids.length !== insert.length) throw new Error(`reserving ${insert.length} log ids returned ${ids?.length ?? 0}`);
  insert.forEach((r, i) => {
    r.id = Number(ids[i]);
    pending[i]!.id = r.id;
  });
}

/**
 * PGlite serves one statement at a time (one backend, no other session), so one statement
 * can move the sequence past the whole batch: the ids are the `n` values up to the one it
 * set. nextval once per row cost about 2.8 µs per event of WebAssembly time.
 */
async function reserveRange(t: LogTable, q: Queryable, insert: readonly InsertRow[], pending: readonly PendingRow[]): Promise<void> {
  const n = insert.length;
  const [reserved] = await q.query<{ last: number | string }>(
    `select setval(s.name, nextval(s.name) + $2::int8 - 1) as last from (select pg_get_serial_sequence($1, 'id') as name) s, (select pg_current_xact_id()) as durable`,
    [t.q, n],
  );
  const last = Number(reserved?.last);
  if (!Number.isSafeInteger(last)) throw new Error(`reserving ${n} log ids returned ${String(reserved?.last)}`);
  insert.forEach((r, i) => {
    r.id = last - n + 1 + i;
    pending[i]!.id = r.id;
  });
}

/** The rows of a batch not stored yet: rows tried before are looked up by their reserved id. */
export async function notYetStored(t: LogTable, rows: readonly PendingRow[]): Promise<readonly PendingRow[]> {
  let min = Infinity;
  let max = -Infinity;
  const tried: number[] = [];
  for (const r of rows) {
    if (r.id === undefined) continue;
    tried.push(r.id);
    if (r.time < min) min = r.time;
    if (r.time > max) max = r.time;
  }
  if (tried.length === 0) return rows;
  // The time bounds let a partitioned table prune to the partitions the rows went to.
  const found = await t.db.query<{ id: number | string; ms: number | string }>(
    `select id, (extract(epoch from "timestamp") * 1000)::int8 as ms from ${t.q} where id = any($1::bigint[]) and "timestamp" between $2::timestamptz and $3::timestamptz`,
    [tried, new Date(min).toISOString(), new Date(max).toISOString()],
  );
  if (found.length === 0) return rows;
  // A row counts as stored only when the id holds this row's own timestamp too: a belt to
  // the braces of durable reservations (a server with synchronous_commit off may reuse ids).
  const stored = new Map(found.map((f) => [Number(f.id), Number(f.ms)]));
  return rows.filter((r) => r.id === undefined || stored.get(r.id) !== r.time);
}
